// Workload `fanout`: one group conversation, N members, messages at a fixed rate; how fast and at what cost each relay delivers them to everyone.
import { interleaved, percentile } from '../lib/stats'
import { readInTurns, timedMembers } from '../lib/burst-reading'
import { cpuMeter } from '../lib/generator'
import { dueAt, runOpenLoop } from '../lib/open-loop'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { MESSAGE_SYNC } from '../lib/thin-client'
import { MARKER, MessageWriter, findMarkers, reserveSeqs } from '../lib/thin-messages'
import { attachDoc } from '../lib/thin-doc'
import { openThinRoom, type ThinRoom } from '../lib/thin-room'
import { openRig, type Rig } from '../lib/thin-rig'
import { SERVER_SYSTEMS, type ServerSystem } from '../servers'
import type { BenchContext, Measurement, Workload } from '../workload'

export interface FanoutCase {
  members: number
  /** Messages per second, from the first `senders` members in turn. */
  rate: number
}

/** Cases in the order they run (most important first, so a tight budget drops the least important). */
export const FULL_CASES: readonly FanoutCase[] = [
  { members: 100, rate: 100 },
  { members: 1000, rate: 100 },
  { members: 10, rate: 100 },
  { members: 100, rate: 10 },
  { members: 1000, rate: 10 },
  { members: 10, rate: 1000 },
  { members: 10, rate: 10 }
  // NOTE: 100 members at 1,000 msg/s and 1,000 at 1,000 are left out: one generator core receives
  // about 20–30k frames a second here (see docs/performance.md), so such cases would measure the
  // generator. 1,000 members at 100 msg/s (100k deliveries/s) is kept because the issue sets a
  // target for it; its generator CPU says how far to trust it.
]

export const QUICK_CASES: readonly FanoutCase[] = [
  { members: 100, rate: 100 },
  { members: 10, rate: 100 },
  { members: 100, rate: 10 },
  { members: 10, rate: 10 }
]

/** Members that send (in turn); everyone receives. */
const SENDERS = 10
/** Characters of each message's content. */
const CONTENT_LENGTH = 64
/** Longest wait after the last send for deliveries still on their way. */
const DRAIN_MS = 2000
/**
 * Members whose deliveries are timed, spread over the room; the others read in bursts.
 * NOTE: one generator core reads for every member, and each socket read costs it 20–30 µs
 * here (the read system call and Node's callback, whatever the client library: see
 * docs/performance.md). Read live by 1,000 members, one message keeps the generator busy for
 * over 20 ms, and that queue, not the relay, would set the latency of the members read last; at
 * 100k deliveries/s it saturates the core. In a real room each member reads on its own machine.
 * So 25 members read live and are timed; the others are real sockets to which the relay writes
 * every delivery, read every 250 ms in one read each, and counted (delivered %), not timed.
 */
const TIMED_MEMBERS = 25
const BURST_PERIOD_MS = 250
const BURST_TICK_MS = 2
/** Highest p99 at which a rate counts as sustained. */
const SUSTAINED_P99_MS = 50

const caseName = ({ members, rate }: FanoutCase): string => `${members} members, ${rate} msg/s`

const LATENCY: MetricSpec = { metric: 'delivery latency (values: p99 per run)', unit: 'ms', better: 'lower' }
const END_TO_END: MetricSpec = { metric: 'end-to-end latency, Y.Doc client (values: p99 per run)', unit: 'ms', better: 'lower' }
const DELIVERIES: MetricSpec = { metric: 'deliveries/s', unit: '/s', better: 'higher' }
const DELIVERED: MetricSpec = { metric: 'delivered', unit: '%', better: 'higher' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU per 1k deliveries', unit: 'ms', better: 'lower' }
const CAPACITY: MetricSpec = { metric: 'deliveries per relay CPU-second', unit: '/s', better: 'higher' }
const BYTES: MetricSpec = { metric: 'bytes received per delivery', unit: 'B', better: 'lower' }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU', unit: '%', better: 'lower' }
const SEND_LAG: MetricSpec = { metric: 'generator send lag p99', unit: 'ms', better: 'lower' }
const SUSTAINED: MetricSpec = { metric: `highest rate run with p99 ≤ ${SUSTAINED_P99_MS} ms`, unit: 'msg/s', better: 'higher' }

/** The targets for Parley. */
const latencyTarget = ({ members, rate }: FanoutCase): Measurement['target'] =>
  members === 100 && rate === 100 ? { op: '<=', value: 3 } : members === 1000 && rate === 100 ? { op: '<=', value: 50 } : undefined
const CAPACITY_TARGET: Measurement['target'] = { op: '>=', value: 150_000 }
/** Below this many deliveries per second a run's relay CPU is too few clock ticks (10 ms) to divide by. */
const MIN_DELIVERIES_FOR_CPU = 5000

export interface RunResult {
  latencies: number[]
  /** From the scheduled time until a Y.Doc behind the last member's client shows the message (none for floor). */
  endToEnd: number[]
  delivered: number
  expected: number
  deliveriesPerSecond: number
  relayCpuMs: number
  bytesPerDelivery: number
  generatorCpu: number
  sendLagP99: number
}

/**
 * One run: `warmup` then `measured` messages from the room's first members in turn, sent open
 * loop, each latency counted from the message's scheduled time to its arrival at each other
 * timed member; every member's deliveries are counted.
 */
export const runFanout = async (room: ThinRoom, rate: number, windowMs: number, warmupMs: number): Promise<RunResult> => {
  const { clients, server } = room
  const members = clients.length
  const senders = room.identities.slice(0, Math.min(SENDERS, members))
  const intervalMs = 1000 / rate
  const warmup = Math.max(1, Math.round((rate * warmupMs) / 1000))
  const measured = Math.max(1, Math.round((rate * windowMs) / 1000))
  const total = warmup + measured
  const seqBase = reserveSeqs(total)
  const writer = new MessageWriter(senders, room.group_id)
  const prepared = await writer.writeMany(seqBase, total, CONTENT_LENGTH)
  writer.destroy()
  // Message i has sequence number seqBase + i; its sender is member `sender` (client and identity alike).
  const senderOf = (i: number): number => prepared[i]!.sender
  const timedPerMessage = new Uint32Array(total)
  const timed = timedMembers(members, TIMED_MEMBERS)
  const isTimed = clients.map((_, member) => timed.has(member))
  const latencies: number[] = []
  const expected = measured * (members - 1)
  let delivered = 0
  let lastDeliveryAt = 0
  let startAt = 0
  let allDelivered: () => void = () => {}
  const done = new Promise<void>(resolve => { allDelivered = resolve })
  const endToEnd: number[] = []
  // The last member (always timed) also keeps a Y.Doc, as a full client would: its latency includes applying each update.
  const observer = members - 1
  const docReceiver = server.system === 'floor'
    ? null
    : attachDoc(clients[observer]!, value => {
      const content = (value as { content?: unknown }).content
      if (typeof content !== 'string' || !content.startsWith(MARKER)) return
      const i = Number(content.slice(MARKER.length, MARKER.length + 8)) - seqBase
      if (i >= warmup && i < total && senderOf(i) !== observer) endToEnd.push(performance.now() - dueAt(startAt, intervalMs, i))
    })
  const unsubscribe = clients.map((client, member) => client.onMessage(message => {
    if (message.type !== MESSAGE_SYNC) return
    findMarkers(message.bytes, seq => {
      const i = seq - seqBase
      if (i < warmup || i >= total || senderOf(i) === member) return
      if (isTimed[member]) {
        timedPerMessage[i]! += 1
        latencies.push(message.at - dueAt(startAt, intervalMs, i))
        lastDeliveryAt = message.at
      }
      if (++delivered === expected) allDelivered()
    })
  }))
  let stopBursts = readInTurns(clients.filter((_, member) => !isTimed[member]), BURST_PERIOD_MS, BURST_TICK_MS)
  try {
    let windowStart = 0
    let meter = cpuMeter()
    let bytesBefore = 0
    let relayCpuBefore: Promise<number> = Promise.resolve(0)
    startAt = performance.now() + 20
    const lateness = await runOpenLoop({
      count: total,
      startAt,
      intervalMs,
      send: i => {
        if (i === warmup) {
          windowStart = dueAt(startAt, intervalMs, i)
          meter = cpuMeter()
          bytesBefore = clients.reduce((sum, client) => sum + client.received.bytes, 0)
          relayCpuBefore = server.cpuMs()
        }
        clients[senderOf(i)]!.sendUpdate(prepared[i]!.update)
      }
    })
    // Everything is sent: the untimed members read the rest at once.
    stopBursts()
    stopBursts = () => {}
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([done, new Promise<void>(resolve => { timer = setTimeout(resolve, DRAIN_MS) })])
    clearTimeout(timer)
    const end = performance.now()
    const generatorCpu = meter.stop()
    const relayCpuMs = (await server.cpuMs()) - (await relayCpuBefore)
    const bytes = clients.reduce((sum, client) => sum + client.received.bytes, 0) - bytesBefore
    // NOTE: what never reached a timed member counts as arriving now: a lower bound, rather than leaving the slowest out.
    for (let i = warmup; i < total; i++) {
      const missing = timed.size - (isTimed[senderOf(i)] ? 1 : 0) - timedPerMessage[i]!
      for (let k = 0; k < missing; k++) latencies.push(end - dueAt(startAt, intervalMs, i))
    }
    return {
      latencies,
      endToEnd,
      delivered,
      expected,
      deliveriesPerSecond: delivered / (Math.max(lastDeliveryAt - windowStart, windowMs) / 1000),
      relayCpuMs,
      bytesPerDelivery: delivered > 0 ? bytes / delivered : Number.NaN,
      generatorCpu,
      sendLagP99: percentile(lateness.slice(warmup), 99)
    }
  } finally {
    stopBursts()
    for (const stop of unsubscribe) stop()
    docReceiver?.detach()
  }
}

const record = (recorder: Recorder, name: string, system: ServerSystem, fanoutCase: FanoutCase, result: RunResult): void => {
  recorder.add(name, system, { ...LATENCY, target: latencyTarget(fanoutCase) }, percentile(result.latencies, 99), result.latencies)
  if (system === 'floor') recorder.notRun(name, system, END_TO_END, 'no Yjs')
  else if (result.endToEnd.length > 0) recorder.add(name, system, END_TO_END, percentile(result.endToEnd, 99), result.endToEnd)
  recorder.add(name, system, DELIVERIES, result.deliveriesPerSecond)
  recorder.add(name, system, DELIVERED, (100 * result.delivered) / result.expected)
  if (fanoutCase.rate * (fanoutCase.members - 1) >= MIN_DELIVERIES_FOR_CPU && result.delivered > 0 && result.relayCpuMs > 0) {
    recorder.add(name, system, RELAY_CPU, (1000 * result.relayCpuMs) / result.delivered)
    recorder.add(name, system, { ...CAPACITY, target: CAPACITY_TARGET }, result.delivered / (result.relayCpuMs / 1000))
  }
  if (Number.isFinite(result.bytesPerDelivery)) recorder.add(name, system, BYTES, result.bytesPerDelivery)
  recorder.add(name, system, GENERATOR_CPU, result.generatorCpu)
  recorder.add(name, system, SEND_LAG, result.sendLagP99)
}

interface Plan {
  cases: readonly FanoutCase[]
  warmupMs: number
  minWindowMs: number
  maxWindowMs: number
}

const planFor = (context: BenchContext): Plan => context.quick
  ? { cases: QUICK_CASES, warmupMs: 100, minWindowMs: 250, maxWindowMs: 800 }
  : { cases: FULL_CASES, warmupMs: 300, minWindowMs: 600, maxWindowMs: 3000 }

/** Rough time to connect a case's clients on every system, and a run's time besides its window. */
const setupEstimateMs = ({ members }: FanoutCase, systems: number): number => 1000 + members * systems * 5
const runOverheadMs = ({ rate }: FanoutCase, warmupMs: number, windowMs: number): number =>
  warmupMs + 100 + (rate * (warmupMs + windowMs)) / 1000 * 0.15

const runCase = async (context: BenchContext, rig: Rig, fanoutCase: FanoutCase, systems: readonly ServerSystem[], windowMs: number, warmupMs: number, recorder: Recorder): Promise<void> => {
  const name = caseName(fanoutCase)
  const rooms = new Map<ServerSystem, ThinRoom>()
  try {
    for (const system of systems) {
      try {
        rooms.set(system, await openThinRoom(rig.servers.get(system)!, { members: fanoutCase.members, identities: rig.identities, admin: rig.admin ?? undefined }))
      } catch (error) {
        recorder.notRun(name, system, LATENCY, `could not connect ${fanoutCase.members} clients: ${(error as Error).message}`)
      }
    }
    await interleaved([...rooms.keys()], context.repetitions, async system => {
      const result = await runFanout(rooms.get(system)!, fanoutCase.rate, windowMs, warmupMs)
      record(recorder, name, system, fanoutCase, result)
      const refusals = rooms.get(system)!.clients.flatMap(client => client.refusals)
      if (refusals.length > 0) context.log(`${system}: refused ${refusals.length} updates (${refusals[0]})`)
    })
  } finally {
    await Promise.all([...rooms.values()].map(room => room.close()))
  }
}

export const fanout: Workload = {
  id: 'fanout',
  // The central comparison, with the most cases: the largest share of the time.
  weight: 4,
  title: 'Group fan-out: delivery latency and relay cost by members and message rate',
  async run (context) {
    const plan = planFor(context)
    const recorder = new Recorder('fanout')
    const maxMembers = Math.max(...plan.cases.map(c => c.members))
    const rig = await openRig({ identities: maxMembers, warmUpMs: context.quick ? 400 : 1500 })
    try {
      const systems = SERVER_SYSTEMS.filter(system => rig.servers.has(system))
      for (const [system, reason] of rig.failures) {
        for (const fanoutCase of plan.cases) recorder.notRun(caseName(fanoutCase), system, LATENCY, reason)
      }
      for (const [index, fanoutCase] of plan.cases.entries()) {
        const name = caseName(fanoutCase)
        const remainingCases = plan.cases.length - index
        const runs = context.repetitions * systems.length
        const left = context.deadline - Date.now() - 3000
        const setup = setupEstimateMs(fanoutCase, systems.length)
        // A fair share of what is left for each remaining case; when that is too short, this case
        // still runs at the shortest window if it fits (cases come most important first).
        const fair = Math.floor(((left / remainingCases) - setup) / runs - runOverheadMs(fanoutCase, plan.warmupMs, 0))
        const fits = left - setup - runs * (plan.minWindowMs + runOverheadMs(fanoutCase, plan.warmupMs, plan.minWindowMs)) > 0
        const windowMs = Math.min(plan.maxWindowMs, fair >= plan.minWindowMs ? fair : fits ? plan.minWindowMs : 0)
        if (windowMs < plan.minWindowMs) {
          context.log(`${name}: skipped, not enough time left`)
          for (const system of systems) recorder.notRun(name, system, LATENCY, 'time budget exhausted')
          continue
        }
        context.log(`${name}: ${context.repetitions} × ${systems.length} runs of ${windowMs} ms`)
        await runCase(context, rig, fanoutCase, systems, windowMs, plan.warmupMs, recorder)
      }
      // The highest rate each system sustained (p99 within 50 ms), per group size, among the rates run.
      for (const members of [...new Set(plan.cases.map(c => c.members))].sort((a, b) => a - b)) {
        const rates = plan.cases.filter(c => c.members === members).map(c => c.rate).sort((a, b) => a - b)
          .filter(rate => systems.some(system => recorder.samples(caseName({ members, rate }), system, LATENCY.metric).length > 0))
        if (rates.length === 0) continue
        const name = `${members} members (rates run: ${rates.join(', ')} msg/s)`
        for (const system of systems) {
          let best = 0
          let ran = false
          for (const rate of rates) {
            const samples = recorder.samples(caseName({ members, rate }), system, LATENCY.metric)
            if (samples.length === 0) continue
            ran = true
            if (percentile(samples, 99) <= SUSTAINED_P99_MS) best = Math.max(best, rate)
          }
          if (ran) recorder.add(name, system, SUSTAINED, best)
          else recorder.notRun(name, system, SUSTAINED, 'no case run')
        }
      }
      const order = plan.cases.map(caseName).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      return recorder.measurements(order, SERVER_SYSTEMS)
    } finally {
      await rig.close()
    }
  }
}
