// Workload `presence`: users online and idle (renewing presence every 15 s in their profile rooms, held by their contacts), a few typing: what presence costs the relay, and how fast online/offline shows.
import { readFileSync } from 'node:fs'
import type { Identity } from '../../shared/identity'
import { conversationRoom, groupConversation, profileRoom } from '../../shared/protocol'
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
/** Share of the generator's open-file limit its sockets may take (each system's batch side by side). */
const SOCKET_SHARE = 0.9
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

const caseName = (users: number): string => `${users.toLocaleString('en')} users online, each holding their group's ${GROUP_SIZE - 1} others' profiles, ${Math.round(TYPING_SHARE * 100)}% typing`

const IN_RATE: MetricSpec = { metric: 'relay messages in', unit: '/s', better: 'lower' }
const OUT_RATE: MetricSpec = { metric: 'relay messages out', unit: '/s', better: 'lower' }
const OUT_PER_USER: MetricSpec = { metric: 'relay messages out per online user (flat if linear)', unit: '/s', better: 'lower' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU', unit: 'ms/s', better: 'lower' }
const ONLINE: MetricSpec = { metric: 'online visible to its contacts (values: p99 per run)', unit: 'ms', better: 'lower', target: VISIBLE_TARGET }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU (its side of these sockets)', unit: '%', better: 'lower' }
const OFFLINE: MetricSpec = { metric: 'offline visible to its contacts (values: p99 per run)', unit: 'ms', better: 'lower', target: VISIBLE_TARGET }

/** One system's relay with every user online. */
interface Lane {
  system: ServerSystem
  server: RunningServer
  /** Each user's own profile room, where they publish their online state. */
  profiles: ThinClient[]
  conversations: ThinClient[]
  /** Each user's contacts' profile rooms (their group's other members), as the v2 client holds them. */
  contacts: ThinClient[]
  /** Per probe: its contacts' sockets in its profile room, and the watch over them. */
  probeWatchers: ThinClient[][]
  watches: PresenceWatch[]
  loops: Renewals[]
}

const socketsOf = (lane: Lane): ThinClient[] => [...lane.profiles, ...lane.conversations, ...lane.contacts, ...lane.probeWatchers.flat()]

const traffic = (lane: Lane): { sent: number; received: number } => {
  let sent = 0
  let received = 0
  for (const client of socketsOf(lane)) {
    sent += client.sent.frames
    received += client.received.frames
  }
  return { sent, received }
}

/** The other members of user i's group: user i is member i % GROUP_SIZE of group floor(i / GROUP_SIZE). */
const contactsOf = (i: number, users: number): number[] => {
  const first = Math.floor(i / GROUP_SIZE) * GROUP_SIZE
  return Array.from({ length: Math.min(GROUP_SIZE, users - first) }, (_, k) => first + k).filter(j => j !== i)
}

/** The users who hold probe p's profile (its contacts): the members of group p (of those there are). */
const probeContacts = (p: number, users: number): number[] => {
  const first = (p * GROUP_SIZE) % users
  return Array.from({ length: Math.min(GROUP_SIZE, users) }, (_, k) => (first + k) % users)
}

/** Sockets one system's lane holds: per user their profile room, their group's room and their contacts' profile rooms; and the probes' watchers. */
const socketsPerLane = (users: number): number => users * (1 + GROUP_SIZE) + PROBES * Math.min(GROUP_SIZE, users)

/**
 * Connects every user's sockets (their own profile room, their group's conversation room, their
 * contacts' profile rooms), then the probes' contacts, publishes online presence, starts
 * renewals and typing. NOTE: one socket per room on every system, the same rooms everywhere.
 */
const openLane = async (system: ServerSystem, users: readonly Identity[], groups: readonly GroupPlan[], probes: readonly Identity[]): Promise<Lane> => {
  const server = await startServer(system, { core: SERVER_CORE })
  const lane: Lane = { system, server, profiles: [], conversations: [], contacts: [], probeWatchers: [], watches: [], loops: [] }
  try {
    if (system === 'parley') await publishGroups(server, prepareGroupWrites(groups))
    lane.profiles = await connectMany(server, users.length, i => ({ room: profileRoom(users[i]!.user_id), identity: users[i]! }), { timeoutMs: 60_000 })
    lane.conversations = await connectMany(server, users.length, i => ({
      room: conversationRoom(groupConversation(groups[Math.floor(i / GROUP_SIZE)]!.group_id)),
      identity: users[i]!
    }), { timeoutMs: 60_000 })
    const holds = users.flatMap((user, i) => contactsOf(i, users.length).map(j => ({ holder: user, room: profileRoom(users[j]!.user_id) })))
    lane.contacts = await connectMany(server, holds.length, k => ({ room: holds[k]!.room, identity: holds[k]!.holder }), { timeoutMs: 60_000 })
    for (const [p, probe] of probes.entries()) {
      const holders = probeContacts(p, users.length)
      lane.probeWatchers.push(await connectMany(server, holders.length, k => ({ room: profileRoom(probe.user_id), identity: users[holders[k]!]! }), { timeoutMs: 60_000 }))
    }
    // Parley: the members' own rooms, where the relay listed their groups, unload before anything is
    // measured; what stays is every profile room held (the users' and the probes') and each group's index room.
    if (system === 'parley') await whenParleyRoomsAtMost(server, users.length + probes.length + groups.length)
    // NOTE: presence only once every socket is connected, as before v2 (when everyone shared one
    // room, 1,000 users publishing was a million frames on a relay that forwards each to all).
    const online = users.map(user => new PresenceState({ user_id: user.user_id }))
    lane.profiles.forEach((client, i) => client.sendAwareness(online[i]!.next()))
    lane.loops.push(startRenewals(users.length, i => lane.profiles[i]!.sendAwareness(online[i]!.next()), RENEWAL_PERIOD_MS))
    // Typing users: spread over the groups, each typing in bursts (an update a second: start, the
    // same state again as keys are pressed, then stop).
    const typists = Array.from({ length: Math.max(1, Math.round(users.length * TYPING_SHARE)) }, (_, k) => Math.floor(k / TYPING_SHARE) % users.length)
    const typing = typists.map(i => new TypingBursts(new PresenceState({ user_id: users[i]!.user_id, typing: true }), TYPING_BURST))
    lane.loops.push(startRenewals(typists.length, k => lane.conversations[typists[k]!]!.sendAwareness(typing[k]!.next()), TYPING_PERIOD_MS))
    lane.watches = lane.probeWatchers.map(watchers => new PresenceWatch(watchers))
    return lane
  } catch (error) {
    await closeLane(lane)
    throw error
  }
}

const closeLane = async (lane: Lane): Promise<void> => {
  for (const loop of lane.loops) loop.stop()
  for (const watch of lane.watches) watch.destroy()
  await lane.server.stop()
  await closeAll(socketsOf(lane))
}

/** The generator's open-file limit (`ulimit -n`). */
const openFileLimit = (): number => {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
  return !match || match[1] === 'unlimited' ? 1_000_000 : Number(match[1])
}

/**
 * Rough time of a case: starts and connections (~1.5 ms a socket), Parley's wait for its setup
 * rooms to unload (5 s after its groups are published, less the time its users take to
 * connect), windows, probes.
 */
const estimateMs = (users: number, lanes: number, batches: number, timing: Timing, repetitions: number): number =>
  lanes * (1100 + socketsPerLane(users) * 1.5) + Math.max(0, 5000 - users * 16) + batches * repetitions * (timing.windowMs + 300) +
  lanes * repetitions * timing.probesPerRepetition * Math.min(timing.probeTimeoutMs, 60 + users / 10) * 2

export const presence: Workload = {
  id: 'presence',
  title: "Presence: relay messages and CPU for users online (in their profile rooms, held by their contacts) and typing; time for online/offline to show to a person's contacts",
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
        const perBatch = Math.max(1, Math.min(SERVER_SYSTEMS.length, Math.floor((SOCKET_SHARE * openFileLimit()) / socketsPerLane(users))))
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
        // system's sockets) as far as the generator's open-file limit allows their sockets;
        // alternate cases reverse the order of batches.
        const order = caseIndex % 2 === 0 ? SERVER_SYSTEMS : [...SERVER_SYSTEMS].reverse()
        context.log(`${name}: ${batches} batch(es) of ${perBatch} system(s), ${context.repetitions} windows of ${timing.windowMs} ms`)
        for (let b = 0; b < batches; b++) {
          const systems = order.slice(b * perBatch, (b + 1) * perBatch)
          const lanes: Lane[] = []
          try {
            for (const system of systems) {
              try {
                lanes.push(await openLane(system, members, groups, probes))
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
                  const turn = probeTurn++ % probes.length
                  const result = await probePresence(lane.server, lane.watches[turn]!, probes[turn]!, { expectOffline, timeoutMs: timing.probeTimeoutMs })
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
