// Workload `hostile`: honest round trips through Parley's relay without and with a hostile client sending its most expensive frames as fast as the relay takes them.
import { DEFAULT_LIMITS, LIMIT_SETTINGS } from '../../relay/limits/limits'
import type { Identity } from '../../shared/identity'
import type { User } from '../../shared/model'
import { profileRoom } from '../../shared/protocol'
import { coreBusyMs } from '../lib/core-load'
import { pinGenerator } from '../lib/generator'
import { openHonestLane, type HonestLane } from '../lib/honest-lane'
import { gcFlood, othersProfileWrite } from '../lib/hostile-frames'
import { HostileSender } from '../lib/hostile-sender'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { interleaved, percentile } from '../lib/stats'
import { createIdentities } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import type { RunningServer } from '../servers'
import type { Workload } from '../workload'

const WORKLOAD = 'hostile'

/** Honest messages per second, one sender (a busy group chat). */
const HONEST_RATE = 100
/** How long a run waits for the last honest echoes (a GC-struct flood stalls the relay ~5 s). */
const DRAIN_MS = 20_000

type Attack = 'none' | 'refused-writes' | 'refused-writes-reconnecting' | 'gc-flood'
const ATTACKS: readonly Attack[] = ['none', 'refused-writes', 'refused-writes-reconnecting', 'gc-flood']

const CASE_OF: Record<Attack, string> = {
  none: 'no hostile client (a relay it never reached)',
  'refused-writes': "hostile: refused writes into someone else's profile room (~240 B), one connection",
  'refused-writes-reconnecting': 'hostile: the same, on a new connection whenever the relay pauses the old one',
  'gc-flood': 'hostile: GC-struct floods (one struct per new client id, ~4 MB), a new connection after each'
}

/**
 * No answer for this long, with frames outstanding, means the relay has paused the socket (its
 * CPU budget spent): a refusal in a profile room is a rebuild of a few hundred bytes, so a
 * socket that stays silent this long has been paused. (In v1's 10,000-profile directory a
 * refusal took ~110–190 ms, two in flight.)
 */
const SILENCE_MS = 400

const RTT: MetricSpec = { metric: `honest round trip, ${HONEST_RATE} msg/s (values: p99 per run)`, unit: 'ms', better: 'lower' }
const ECHOED: MetricSpec = { metric: 'honest messages echoed', unit: '%', better: 'higher' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU', unit: '%', better: 'lower' }
const JUDGED: MetricSpec = { metric: 'hostile updates refused', unit: '/s', better: 'lower' }
const CONNECTIONS: MetricSpec = { metric: 'hostile reconnections', unit: '/s', better: 'lower' }
const DROPPED: MetricSpec = { metric: 'honest sockets the relay closed', unit: 'per run', better: 'lower' }
const HONEST_REFUSED: MetricSpec = { metric: 'honest updates refused', unit: 'per run', better: 'lower' }
/** NOTE: the machine is shared: time taken from the relays' core by anything but the two relays (other processes, the hypervisor). */
const OTHER_LOAD: MetricSpec = { metric: "other load on the relays' core", unit: '%', better: 'lower' }

/** A relay that went quiet uses under this share of its core over one check. */
const IDLE_CPU_SHARE = 0.1
const IDLE_CHECK_MS = 250
const IDLE_WAIT_MS = 15_000

/** Waits (at most IDLE_WAIT_MS) until the relay is idle: a flood it is still judging must not spill into the next run. */
const untilIdle = async (server: RunningServer): Promise<void> => {
  const giveUpAt = Date.now() + IDLE_WAIT_MS
  let before = await server.cpuMs()
  while (Date.now() < giveUpAt) {
    await new Promise(resolve => setTimeout(resolve, IDLE_CHECK_MS))
    const now = await server.cpuMs()
    if (now - before < IDLE_CPU_SHARE * IDLE_CHECK_MS) return
    before = now
  }
}

/** What the hostile client sends in each attack. */
const updateFor = (attack: Exclude<Attack, 'none'>, victim: User): Uint8Array =>
  attack === 'gc-flood' ? gcFlood(DEFAULT_LIMITS.maxFrameBytes) : othersProfileWrite(victim, 3_100_000_007)

/** The honest member's profile, as someone forging it would write it. */
const profileOf = (identity: Identity): User => {
  const now = new Date().toISOString()
  return { user_id: identity.user_id, name: 'honest member', public_key: identity.public_key, created_at: now, updated_at: now, deleted_at: null }
}

/**
 * NOTE: the relay's own CPU budget per connection (100 ms/s), not the bench's 1,000: it is what
 * stands between a hostile connection and everyone else. The other limits stay raised as for
 * every Parley server here (one address plays every user).
 */
const SERVER_ENV: Record<string, string> = {
  [LIMIT_SETTINGS.cpuMsPerSecond.env]: String(DEFAULT_LIMITS.cpuMsPerSecond)
}

/** The load on the relays during one run, read before and after it. */
interface RunReadings { laneCpuMs: number; relaysCpuMs: number; coreBusyMs: number | null; at: number }

const readRun = async (lane: HonestLane, lanes: readonly HonestLane[]): Promise<RunReadings> => {
  const cpu = await Promise.all(lanes.map(each => each.server.cpuMs()))
  return { laneCpuMs: cpu[lanes.indexOf(lane)]!, relaysCpuMs: cpu.reduce((sum, ms) => sum + ms, 0), coreBusyMs: await coreBusyMs(SERVER_CORE), at: performance.now() }
}

/** Starts the attacker and waits (20 s at most) until it is connected and has sent its first frame. */
const startAttack = async (attack: Exclude<Attack, 'none'>, lane: HonestLane, attacker: Identity, victim: User): Promise<HostileSender> => {
  const sender = new HostileSender({
    wsUrl: lane.server.wsUrl, room: profileRoom(victim.user_id), identity: attacker, update: updateFor(attack, victim),
    // A flood's connection is closed by the relay once judged (too costly): no reason to leave it earlier.
    inFlight: 2, reconnectAfterSilenceMs: attack === 'refused-writes-reconnecting' ? SILENCE_MS : null
  })
  sender.start()
  const readyBy = Date.now() + 20_000
  while (sender.counts.sent === 0 && Date.now() < readyBy) await new Promise(resolve => setTimeout(resolve, 20))
  return sender
}

interface RunPlan {
  attack: Attack
  /** The relay it runs on: the quiet one for 'none', the attacked one else. */
  lane: HonestLane
  lanes: readonly HonestLane[]
  attacker: Identity
  victim: User
  /** Honest messages of the run (after the one that wakes the room). */
  perRun: number
}

/** One run: relays idle, the room awake, the attacker (if any) at work, then the honest messages timed. */
const measureRun = async (recorder: Recorder, { attack, lane, lanes, attacker, victim, perRun }: RunPlan, log: (line: string) => void): Promise<void> => {
  const name = CASE_OF[attack]
  const [first, ...messages] = await lane.prepare(1 + perRun)
  // Both relays idle: they share a core, and a flood still being judged on one would slow the other.
  for (const each of lanes) await untilIdle(each.server)
  // NOTE: the room awake before the attack: a resting room's first frames wait for it to load,
  // and more than 256 of them (2.6 s here) close the socket, as a flood's 4–5 s does.
  await lane.ready(first!)
  const hostileClient = attack === 'none' ? null : await startAttack(attack, lane, attacker, victim)
  try {
    const counts = { ...hostileClient?.counts ?? { sent: 0, refused: 0, connections: 0 } }
    const before = await readRun(lane, lanes)
    const result = await lane.echoes(messages, HONEST_RATE, DRAIN_MS)
    const after = await readRun(lane, lanes)
    const elapsedMs = after.at - before.at
    const relayCpu = (100 * (after.laneCpuMs - before.laneCpuMs)) / elapsedMs
    const otherLoad = after.coreBusyMs === null || before.coreBusyMs === null
      ? null
      : Math.max(0, (100 * (after.coreBusyMs - before.coreBusyMs - (after.relaysCpuMs - before.relaysCpuMs))) / elapsedMs)
    recorder.add(name, 'parley', RTT, percentile(result.roundTrips, 99), result.roundTrips)
    recorder.add(name, 'parley', ECHOED, (100 * result.echoed) / result.sent)
    recorder.add(name, 'parley', DROPPED, result.dropped.length)
    recorder.add(name, 'parley', HONEST_REFUSED, result.refused)
    recorder.add(name, 'parley', RELAY_CPU, relayCpu)
    if (otherLoad !== null) recorder.add(name, 'parley', OTHER_LOAD, otherLoad)
    let attackLine = ''
    if (hostileClient) {
      const refused = hostileClient.counts.refused - counts.refused
      const connections = hostileClient.counts.connections - counts.connections
      recorder.add(name, 'parley', JUDGED, (1000 * refused) / elapsedMs)
      recorder.add(name, 'parley', CONNECTIONS, (1000 * connections) / elapsedMs)
      attackLine = `; hostile: ${refused} refused, ${connections} new connections`
    }
    log(`${attack}: honest p50 ${percentile(result.roundTrips, 50).toFixed(1)} ms, p99 ${percentile(result.roundTrips, 99).toFixed(1)} ms; ` +
      `relay CPU ${relayCpu.toFixed(0)} % over ${(elapsedMs / 1000).toFixed(1)} s, others on its core ${otherLoad?.toFixed(0) ?? '?'} %${attackLine}`)
    if (result.echoed < result.sent || result.dropped.length > 0 || result.refused > 0) {
      log(`${name}: ${result.sent - result.echoed} of ${result.sent} honest messages not echoed within ${DRAIN_MS / 1000} s, ${result.refused} refused; ` +
        `honest sockets closed: ${result.dropped.join(', ') || 'none'}; the relay's last words:\n${lane.server.output().slice(-1500)}`)
    }
  } finally {
    await hostileClient?.stop()
  }
}

export const hostile: Workload = {
  id: WORKLOAD,
  title: "Honest round trips while a hostile client sends its most expensive frames into an honest member's profile room (the relay's default CPU budget per user)",
  weight: 0.75,
  async run (context) {
    const recorder = new Recorder(WORKLOAD)
    const unpin = pinGenerator(GENERATOR_CORE)
    const lanes: HonestLane[] = []
    const caseOrder = ATTACKS.map(attack => CASE_OF[attack])
    try {
      const runs = context.repetitions * ATTACKS.length
      // Each run: its window, the drain, the relay going idle and the attacker connecting: ~6 s on top.
      const windowMs = Math.max(1000, Math.min(context.quick ? 2000 : 5000, Math.floor((context.deadline - Date.now() - 20_000) / runs) - 6000))
      const perRun = Math.ceil(windowMs * HONEST_RATE / 1000)
      context.log(`${context.repetitions} × ${ATTACKS.length} runs of ${windowMs} ms, ${perRun} honest messages each`)
      const [admin, member, attacker] = await createIdentities(3)
      const members = [admin!, member!] as const
      // NOTE: two relays, alike, both on the relays' core: "without" is measured on one the
      // attacker never reached, since an attack's garbage (a flood leaves ~800 MB of heap) is
      // collected during whatever runs after it. Only one of them is busy at a time.
      const quiet = await openHonestLane({ members, core: SERVER_CORE, env: SERVER_ENV })
      lanes.push(quiet)
      const attacked = await openHonestLane({ members, core: SERVER_CORE, env: SERVER_ENV })
      lanes.push(attacked)
      // One untimed second of messages through each first: their code compiled, their rooms loaded.
      for (const lane of lanes) await lane.echoes(await lane.prepare(HONEST_RATE), HONEST_RATE, DRAIN_MS)
      const victim = profileOf(member!)
      await interleaved(ATTACKS, context.repetitions, async (attack, repetition) => {
        const plan: RunPlan = { attack, lane: attack === 'none' ? quiet : attacked, lanes, attacker: attacker!, victim, perRun }
        try {
          await measureRun(recorder, plan, line => context.log(`run ${repetition + 1}, ${line}`))
        } catch (error) {
          // One failed run is reported (as not run, if it was the case's only one), not the end of the benchmark.
          context.log(`${attack}, run ${repetition + 1} failed: ${(error as Error).stack ?? error}`)
          recorder.notRun(CASE_OF[attack], 'parley', RTT, `failed: ${(error as Error).message}`)
        }
      })
    } catch (error) {
      context.log(`${(error as Error).stack ?? error}`)
      for (const name of caseOrder) recorder.notRun(name, 'parley', RTT, `failed: ${(error as Error).message}`)
    } finally {
      try {
        await Promise.all(lanes.map(lane => lane.close()))
      } finally {
        unpin()
      }
    }
    return recorder.measurements(caseOrder, ['parley'])
  }
}
