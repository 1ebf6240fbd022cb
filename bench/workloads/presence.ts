// Workload `presence`: users online and idle (renewing presence every 15 s), a few typing: what presence costs the relay, and how fast online/offline shows.
import type { Identity } from '../../shared/identity'
import { DIRECTORY_ROOM, conversationRoom, groupConversation } from '../../shared/protocol'
import { cpuMeter, pinGenerator } from '../lib/generator'
import { planGroups, prepareGroupWrites, publishGroups, type GroupPlan } from '../lib/presence-groups'
import { PresenceWatch, probePresence } from '../lib/presence-probe'
import { RENEWAL_PERIOD_MS, startRenewals, type Renewals } from '../lib/presence-renewals'
import { PresenceState, TypingBursts } from '../lib/presence-wire'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { sleep, whenParleyRoomsAtMost } from '../lib/soak-health'
import { percentile } from '../lib/stats'
import type { ThinClient } from '../lib/thin-client'
import { closeAll, connectMany } from '../lib/thin-connect'
import { createIdentities } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import { SERVER_SYSTEMS, startServer, type RunningServer, type ServerSystem } from '../servers'
import type { BenchContext, Workload } from '../workload'

/** Members of each group conversation (where typing shows). */
const GROUP_SIZE = 10
/** Share of users typing at any time. */
const TYPING_SHARE = 0.05
/** A typing user's client sends its { typing: true } state this often (a keystroke-driven update, throttled). */
const TYPING_PERIOD_MS = 1000
/** Ticks of a typing burst: { typing: true } on all but the last, when typing stops (the state is removed). */
const TYPING_BURST = 4
/** Probe users, used in turn. */
const PROBES = 8
/** Received frames per second the generator can take on top of its own work, about; lanes beyond it run one after another. */
const GENERATOR_FRAMES_PER_SECOND = 30_000
const VISIBLE_TARGET = { op: '<=', value: 100 } as const

interface Timing {
  /** One steady window per repetition (all lanes of a batch at once). */
  windowMs: number
  probesPerRepetition: number
  probeTimeoutMs: number
}

interface Plan extends Timing {
  users: readonly number[]
}

const planFor = (context: BenchContext): Plan => context.quick
  ? { users: [100], windowMs: 1000, probesPerRepetition: 1, probeTimeoutMs: 1000 }
  : { users: [100, 1000], windowMs: 2000, probesPerRepetition: 3, probeTimeoutMs: 2000 }

/** What a case falls back to when the deadline is too close for the plan's timing. */
const LEAN: Timing = { windowMs: 1000, probesPerRepetition: 1, probeTimeoutMs: 1000 }

const caseName = (users: number): string => `${users.toLocaleString('en')} users online, ${Math.round(TYPING_SHARE * 100)}% typing`

const IN_RATE: MetricSpec = { metric: 'relay messages in', unit: '/s', better: 'lower' }
const OUT_RATE: MetricSpec = { metric: 'relay messages out', unit: '/s', better: 'lower' }
const OUT_PER_USER: MetricSpec = { metric: 'relay messages out per online user (flat if linear)', unit: '/s', better: 'lower' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU', unit: 'ms/s', better: 'lower' }
const ONLINE: MetricSpec = { metric: 'online visible to all (values: p99 per run)', unit: 'ms', better: 'lower', target: VISIBLE_TARGET }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU (its side of these sockets)', unit: '%', better: 'lower' }
const OFFLINE: MetricSpec = { metric: 'offline visible to all (values: p99 per run)', unit: 'ms', better: 'lower', target: VISIBLE_TARGET }

/** One system's relay with every user online. */
interface Lane {
  system: ServerSystem
  server: RunningServer
  directory: ThinClient[]
  conversations: ThinClient[]
  loops: Renewals[]
  watch: PresenceWatch | null
}

const traffic = (lane: Lane): { sent: number; received: number } => {
  let sent = 0
  let received = 0
  for (const client of [...lane.directory, ...lane.conversations]) {
    sent += client.sent.frames
    received += client.received.frames
  }
  return { sent, received }
}

/** Connects every user twice (directory, and their group's conversation room), publishes online presence, starts renewals and typing. */
const openLane = async (system: ServerSystem, users: readonly Identity[], groups: readonly GroupPlan[]): Promise<Lane> => {
  const server = await startServer(system, { core: SERVER_CORE })
  const lane: Lane = { system, server, directory: [], conversations: [], loops: [], watch: null }
  try {
    if (system === 'parley') await publishGroups(server, prepareGroupWrites(groups))
    lane.directory = await connectMany(server, users.length, i => ({ room: DIRECTORY_ROOM, identity: users[i]! }), { timeoutMs: 60_000 })
    // User i is member i % GROUP_SIZE of group floor(i / GROUP_SIZE) (see planGroups below).
    lane.conversations = await connectMany(server, users.length, i => ({
      room: conversationRoom(groupConversation(groups[Math.floor(i / GROUP_SIZE)]!.group_id)),
      identity: users[i]!
    }), { timeoutMs: 60_000 })
    // Parley: the members' own rooms, where the relay listed their groups, unload before anything is
    // measured; what stays is the directory and each group's index room (the conversation rooms here).
    if (system === 'parley') await whenParleyRoomsAtMost(server, 1 + groups.length)
    // NOTE: presence only once every socket is connected: on a relay that forwards every
    // publication to everyone, 1,000 users publishing is a million frames, and connecting
    // under that flood times out.
    const online = users.map(user => new PresenceState({ user_id: user.user_id }))
    lane.directory.forEach((client, i) => client.sendAwareness(online[i]!.next()))
    lane.loops.push(startRenewals(users.length, i => lane.directory[i]!.sendAwareness(online[i]!.next()), RENEWAL_PERIOD_MS))
    // Typing users: spread over the groups, each typing in bursts (an update a second: start, the
    // same state again as keys are pressed, then stop).
    const typists = Array.from({ length: Math.max(1, Math.round(users.length * TYPING_SHARE)) }, (_, k) => Math.floor(k / TYPING_SHARE) % users.length)
    const typing = typists.map(i => new TypingBursts(new PresenceState({ user_id: users[i]!.user_id, typing: true }), TYPING_BURST))
    lane.loops.push(startRenewals(typists.length, k => lane.conversations[typists[k]!]!.sendAwareness(typing[k]!.next()), TYPING_PERIOD_MS))
    lane.watch = new PresenceWatch(lane.directory)
    return lane
  } catch (error) {
    await closeLane(lane)
    throw error
  }
}

const closeLane = async (lane: Lane): Promise<void> => {
  for (const loop of lane.loops) loop.stop()
  lane.watch?.destroy()
  await lane.server.stop()
  await closeAll([...lane.directory, ...lane.conversations])
}

/** Expected frames a second the generator receives from one lane if the relay forwards every renewal to everyone (the quadratic case). */
const worstFramesPerSecond = (users: number): number => (users * users * 1000) / RENEWAL_PERIOD_MS + users * TYPING_SHARE * GROUP_SIZE

/**
 * Rough time of a case: starts and connections (2 a user: ~1.5 ms each at 100 users; at 1,000,
 * a quadratic relay's flood slows connecting and probing down to ~50 ms a user, as measured in
 * a full run: 220 s for the four systems), Parley's wait for its setup rooms to unload (5 s after
 * its groups are published, less the time its users take to connect), windows, probes (slow when
 * a relay is saturated).
 */
const estimateMs = (users: number, lanes: number, batches: number, timing: Timing, repetitions: number): number =>
  lanes * (1100 + users * 2 * (users >= 1000 ? 25 : 1.5)) + Math.max(0, 5000 - users * 3) + batches * repetitions * (timing.windowMs + 300) +
  lanes * repetitions * timing.probesPerRepetition * Math.min(timing.probeTimeoutMs, 60 + users / 10) * 2

export const presence: Workload = {
  id: 'presence',
  title: 'Presence: relay messages and CPU for users online and typing; time for online/offline to show',
  async run (context) {
    const recorder = new Recorder('presence')
    const plan = planFor(context)
    const unpin = pinGenerator(GENERATOR_CORE)
    try {
      const maxUsers = Math.max(...plan.users)
      const identities = await createIdentities(maxUsers + PROBES)
      const probes = identities.slice(maxUsers)
      let probeTurn = 0
      for (const [caseIndex, users] of plan.users.entries()) {
        const name = caseName(users)
        const members = identities.slice(0, users)
        // Group g is users [g·10, g·10 + 10): its first member created it.
        const creators = members.filter((_, i) => i % GROUP_SIZE === 0)
        const groups = planGroups(Math.ceil(users / GROUP_SIZE), GROUP_SIZE, creators, members.filter((_, i) => i % GROUP_SIZE !== 0))
        const perBatch = Math.max(1, Math.min(SERVER_SYSTEMS.length, Math.floor(GENERATOR_FRAMES_PER_SECOND / worstFramesPerSecond(users))))
        const batches = Math.ceil(SERVER_SYSTEMS.length / perBatch)
        // Each case gets its share of what is left: the plan's timing if it fits, else a leaner one,
        // else not run. NOTE: the first case always runs (leanly), so a tight budget still gives figures.
        const share = (context.deadline - Date.now()) / (plan.users.length - caseIndex)
        const fits = (candidate: Timing) => estimateMs(users, SERVER_SYSTEMS.length, batches, candidate, context.repetitions) <= share
        const timing: Timing | null = fits(plan) ? plan : fits(LEAN) || caseIndex === 0 ? LEAN : null
        if (timing === null) {
          context.log(`${name}: skipped, not enough time left (about ${Math.round(estimateMs(users, SERVER_SYSTEMS.length, batches, LEAN, context.repetitions) / 1000)} s needed)`)
          for (const system of SERVER_SYSTEMS) recorder.notRun(name, system, RELAY_CPU, 'time budget exhausted')
          continue
        }
        // NOTE: systems side by side (each relay its own process, figures read per process or per
        // system's sockets) as far as the generator can take their traffic; alternate cases
        // reverse the order of batches.
        const order = caseIndex % 2 === 0 ? SERVER_SYSTEMS : [...SERVER_SYSTEMS].reverse()
        context.log(`${name}: ${batches} batch(es) of ${perBatch} system(s), ${context.repetitions} windows of ${timing.windowMs} ms`)
        for (let b = 0; b < batches; b++) {
          const systems = order.slice(b * perBatch, (b + 1) * perBatch)
          const lanes: Lane[] = []
          try {
            for (const system of systems) {
              try {
                lanes.push(await openLane(system, members, groups))
              } catch (error) {
                recorder.notRun(name, system, RELAY_CPU, `could not connect ${users} users: ${(error as Error).message.split('\n')[0]}`)
              }
            }
            // Let the initial publications and a first round of renewals settle.
            await sleep(500)
            for (let r = 0; r < context.repetitions; r++) {
              const before = lanes.map(traffic)
              const cpuBefore = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
              const started = performance.now()
              const meter = cpuMeter()
              await sleep(timing.windowMs)
              const generatorCpu = meter.stop()
              const cpuAfter = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
              const seconds = (performance.now() - started) / 1000
              lanes.forEach((lane, i) => {
                const after = traffic(lane)
                const out = (after.received - before[i]!.received) / seconds
                recorder.add(name, lane.system, IN_RATE, (after.sent - before[i]!.sent) / seconds)
                recorder.add(name, lane.system, OUT_RATE, out)
                recorder.add(name, lane.system, OUT_PER_USER, out / users)
                recorder.add(name, lane.system, RELAY_CPU, (cpuAfter[i]! - cpuBefore[i]!) / seconds)
                recorder.add(name, lane.system, GENERATOR_CPU, generatorCpu)
              })
              const probeOrder = r % 2 === 0 ? lanes : [...lanes].reverse()
              for (const lane of probeOrder) {
                const expectOffline = lane.system !== 'floor'
                const online: number[] = []
                const offline: number[] = []
                for (let p = 0; p < timing.probesPerRepetition; p++) {
                  const result = await probePresence(lane.server, lane.watch!, probes[probeTurn++ % probes.length]!, { expectOffline, timeoutMs: timing.probeTimeoutMs })
                  online.push(...result.online)
                  offline.push(...result.offline)
                }
                recorder.add(name, lane.system, ONLINE, percentile(online, 99), online)
                if (expectOffline) recorder.add(name, lane.system, OFFLINE, percentile(offline, 99), offline)
                else recorder.notRun(name, lane.system, OFFLINE, 'a broadcast relay cannot tell that a socket\'s user left')
              }
            }
          } catch (error) {
            context.log(`${systems.join(', ')}: ${(error as Error).message.split('\n')[0]}`)
            for (const system of systems) recorder.notRun(name, system, RELAY_CPU, `failed: ${(error as Error).message.split('\n')[0]}`)
          } finally {
            await Promise.all(lanes.map(closeLane))
          }
        }
      }
      return recorder.measurements(plan.users.map(caseName), SERVER_SYSTEMS)
    } finally {
      unpin()
    }
  }
}
