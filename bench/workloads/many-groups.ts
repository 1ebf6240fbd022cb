// Workload `many-groups`: thousands of small idle groups with presence on: what each connection and each idle group costs the relay in memory, and in CPU while idle.
import { readFileSync } from 'node:fs'
import { cpuMeter, pinGenerator } from '../lib/generator'
import { planGroups, prepareGroupWrites, publishGroups, type GroupPlan } from '../lib/presence-groups'
import { closeLane, connectTranche, type Lane } from '../lib/presence-tranches'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { INSPECTOR_ENV, readHeap } from '../lib/soak-heap'
import { parleyHealth, sleep, whenParleyRoomsAtMost } from '../lib/soak-health'
import type { ThinClient } from '../lib/thin-client'
import { MessageWriter } from '../lib/thin-messages'
import { createIdentities } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import { SERVER_SYSTEMS, startServer, type ServerSystem } from '../servers'
import type { BenchContext, Workload } from '../workload'
import { DEFAULT_DOC_REST_MS } from '../../relay/rooms'

export interface ManyGroupsCase {
  groups: number
  /** Members per group, each on its own connection. */
  size: number
}

const FULL_CASE: ManyGroupsCase = { groups: 2000, size: 5 }
const QUICK_CASE: ManyGroupsCase = { groups: 200, size: 5 }

/** Identities that create the groups (on Parley each writes each of its groups' records into the group's own index room). */
const CREATORS = 10
/** At most this many identities for the other members; each is then in several groups. */
const MAX_POOL = 2000
/** Light traffic: one message per group per this many seconds, on average. */
const MESSAGE_EVERY_S = 60
/** File descriptors the generator keeps for itself besides one per connection. */
const SPARE_FDS = 500

interface Plan {
  /** Wait after a phase before reading RSS, so the relay has finished with it. */
  settleMs: number
  /** Each repetition's light-traffic window, then its idle window. */
  trafficMs: number
  idleMs: number
}

const planFor = (context: BenchContext): Plan => context.quick
  ? { settleMs: 150, trafficMs: 500, idleMs: 800 }
  : { settleMs: 300, trafficMs: 600, idleMs: 1000 }

const caseName = ({ groups, size }: ManyGroupsCase): string =>
  `${(groups * size).toLocaleString('en')} connections in ${groups.toLocaleString('en')} groups of ${size}`

// NOTE: every memory figure is read right after a full GC forced through the server's inspector (soak-heap.ts): without it, RSS deltas are mostly GC timing.
// NOTE: per connection, growth since before the first tranche over every connection so far (the last value is the whole case).
const PER_CONNECTION: MetricSpec = { metric: 'relay RSS per connection (growth / connections so far)', unit: 'KB', better: 'lower', target: { op: '<=', value: 16 } }
const HEAP_PER_CONNECTION: MetricSpec = { metric: 'relay JS heap per connection (growth / connections so far)', unit: 'KB', better: 'lower' }
// NOTE: the split between rooms and members is read on the JS heap: RSS over a tranche's few hundred connections is too noisy to split.
const PER_GROUP: MetricSpec = { metric: 'relay JS heap per idle group, with its first member', unit: 'KB', better: 'lower' }
const PER_MEMBER: MetricSpec = { metric: 'relay JS heap per further member of a loaded group', unit: 'KB', better: 'lower' }
const DOCS_HELD: MetricSpec = { metric: 'Y.Docs held for idle groups (members connected, presence on)', unit: 'docs', better: 'lower', target: { op: '<=', value: 0 } }
const HEAP_RESTED: MetricSpec = { metric: 'relay JS heap given back per idle group once its document rests', unit: 'KB', better: 'higher' }
const CONNECT_CPU: MetricSpec = { metric: 'relay CPU per connection set up (joined, synced, presence)', unit: 'ms', better: 'lower' }
const TRAFFIC_CPU: MetricSpec = { metric: `relay CPU, light traffic (1 msg per group per ${MESSAGE_EVERY_S} s)`, unit: 'ms/s', better: 'lower' }
const IDLE_CPU: MetricSpec = { metric: 'relay CPU while idle (renewals every 15 s)', unit: 'ms/s', better: 'lower' }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU while idle', unit: '%', better: 'lower' }

/** The soft limit on open files of this process (Node raises it to the hard limit at start). */
const openFileLimit = (): number => {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
  return !match || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
}

/** Light traffic on a lane for one window: messages from members of groups in a scattered order, signed beforehand. */
const prepareTraffic = async (lane: Lane, groups: readonly GroupPlan[], windowMs: number, seq: number): Promise<Array<{ client: ThinClient; update: Uint8Array }>> => {
  const count = Math.max(1, Math.round((groups.length / MESSAGE_EVERY_S) * windowMs / 1000))
  const writers = new Map<number, MessageWriter>()
  const messages: Array<{ client: ThinClient; update: Uint8Array }> = []
  for (let m = 0; m < count; m++) {
    // NOTE: a fresh writer (fresh Yjs client ids) per window, so no update waits on one sent to another lane.
    const g = ((seq + m) * 7919) % groups.length
    let writer = writers.get(g)
    if (!writer) writers.set(g, writer = new MessageWriter(groups[g]!.members, groups[g]!.group_id))
    const sender = (seq + m) % groups[g]!.members.length
    messages.push({ client: lane.members[g]![sender]!, update: (await writer.write(seq + m, sender)).update })
  }
  for (const writer of writers.values()) writer.destroy()
  return messages
}

/** Sends each lane's messages spread evenly over `windowMs`; resolves with each lane's relay CPU in ms/s. */
const trafficWindow = async (lanes: readonly Lane[], messages: ReadonlyArray<Array<{ client: ThinClient; update: Uint8Array }>>, windowMs: number): Promise<number[]> => {
  const before = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
  const started = performance.now()
  const count = Math.max(...messages.map(list => list.length))
  for (let m = 0; m < count; m++) {
    await sleep(started + (m * windowMs) / count - performance.now())
    for (const list of messages) { const message = list[m]; if (message) message.client.sendUpdate(message.update) }
  }
  await sleep(started + windowMs - performance.now())
  const after = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
  const seconds = (performance.now() - started) / 1000
  return lanes.map((_, i) => (after[i]! - before[i]!) / seconds)
}

const idleWindow = async (lanes: readonly Lane[], windowMs: number): Promise<{ cpu: number[]; generator: number }> => {
  const before = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
  const meter = cpuMeter()
  const started = performance.now()
  await sleep(windowMs)
  const after = await Promise.all(lanes.map(lane => lane.server.cpuMs()))
  const seconds = (performance.now() - started) / 1000
  return { cpu: lanes.map((_, i) => (after[i]! - before[i]!) / seconds), generator: meter.stop() }
}

/** Relay CPU per connection set up, ms, about (quick runs on the reference machine): every relay connects on the one server core. */
const CONNECT_MS: Record<ServerSystem, number> = { floor: 0.6, stock: 1.3, hocuspocus: 2.5, parley: 2.5 }

/** How many systems' connections the open-file limit lets the generator hold at once. */
const lanesAtOnce = (connections: number, limit: number): number =>
  Math.max(1, Math.min(SERVER_SYSTEMS.length, Math.floor((limit - SPARE_FDS) / connections)))

/**
 * Wall time to publish one group on Parley, ms, about: its creator joins the group's index room and
 * writes its record, and the relay lists it in each member's own room (8 ms a group of 5 on the
 * reference machine, most of it the relay's CPU).
 */
const PUBLISH_MS_PER_GROUP = 8

/** Rough time of the whole workload: publishing Parley's groups, connecting everything, and per batch of systems its starts, tranches and windows. */
const estimateMs = ({ groups, size }: ManyGroupsCase, limit: number, repetitions: number, plan: Plan): number => {
  const connections = groups * size
  const atOnce = lanesAtOnce(connections, limit)
  const batches = Math.ceil(SERVER_SYSTEMS.length / atOnce)
  const connecting = connections * SERVER_SYSTEMS.reduce((sum, system) => sum + CONNECT_MS[system], 0)
  // Parley's batch also waits for the rooms its groups' setup wrote to unload (5 s after), and
  // for its idle groups' documents to rest, with two heap readings.
  const publishing = groups * PUBLISH_MS_PER_GROUP + 5000
  const resting = DEFAULT_DOC_REST_MS * 1.5 + 3000
  return publishing + connecting + resting + batches * (1200 * atOnce + repetitions * (4 * plan.settleMs + plan.trafficMs + plan.idleMs) + 500)
}

export const manyGroups: Workload = {
  id: 'many-groups',
  title: 'Many small groups: memory per connection and per idle group, idle CPU',
  async run (context) {
    const recorder = new Recorder('many-groups')
    const plan = planFor(context)
    const wanted = context.quick ? QUICK_CASE : FULL_CASE
    const repetitions = context.repetitions
    const order = [caseName(wanted)]

    // Scale down to what the open-file limit and the deadline allow, saying why.
    const limit = openFileLimit()
    let groups = Math.min(wanted.groups, Math.floor((limit - SPARE_FDS) / wanted.size))
    const reasons: string[] = []
    if (groups < wanted.groups) reasons.push(`ulimit -n is ${limit}`)
    const budget = context.deadline - Date.now() - 3000
    while (groups > 50 && estimateMs({ groups, size: wanted.size }, limit, repetitions, plan) > budget) groups = Math.floor(groups * 0.8 / 10) * 10
    const atOnce = lanesAtOnce(groups * wanted.size, limit)
    const batches = Math.ceil(SERVER_SYSTEMS.length / atOnce)
    if (groups < wanted.groups && !reasons.length) reasons.push('time budget')
    const manyCase: ManyGroupsCase = { groups, size: wanted.size }
    const name = caseName(manyCase)
    if (reasons.length > 0) {
      context.log(`${caseName(wanted)}: scaled down to ${name} (${reasons.join(', ')})`)
      for (const system of SERVER_SYSTEMS) recorder.notRun(caseName(wanted), system, PER_CONNECTION, `scaled down to ${name}: ${reasons.join(', ')}`)
      order.push(name)
    }

    const unpin = pinGenerator(GENERATOR_CORE)
    try {
      const poolSize = Math.min(MAX_POOL, manyCase.groups * (manyCase.size - 1))
      const made = await createIdentities(CREATORS + poolSize)
      const plans = planGroups(manyCase.groups, manyCase.size, made.slice(0, CREATORS), made.slice(CREATORS))
      const writes = prepareGroupWrites(plans)
      // Tranche t connects groups [bounds[t], bounds[t + 1]): one RSS figure per tranche.
      const bounds = Array.from({ length: repetitions + 1 }, (_, t) => Math.round((t * manyCase.groups) / repetitions))
      context.log(`${name}: ${repetitions} tranches of about ${Math.round(manyCase.groups / repetitions)} groups, ${atOnce} system(s) side by side`)

      // NOTE: systems run side by side (all relays alive, each in its own process on the server
      // core, figures read per process), which gives each the same conditions at the same time;
      // when the open-file limit cannot hold every system's connections at once, they run in
      // batches, one after another.
      for (let b = 0; b < batches; b++) {
        const systems = SERVER_SYSTEMS.slice(b * atOnce, (b + 1) * atOnce)
        const lanes: Lane[] = []
        const batchStarted = Date.now()
        try {
          for (const system of systems) {
            let lane: Lane | null = null
            try {
              lane = { system, server: await startServer(system, { core: SERVER_CORE, env: INSPECTOR_ENV }), members: [], renewals: [], all: [], start: null, connected: 0 }
              if (system === 'parley') {
                // NOTE: a join of the first tranche's first members then loads only their group's bucket:
                // the relay keeps the members it read from each index room when its record was written.
                await publishGroups(lane.server, writes)
                // The rooms written at setup unload before the first reading, not during a tranche.
                await whenParleyRoomsAtMost(lane.server, 0, 60_000)
              }
              lanes.push(lane)
            } catch (error) {
              if (lane) await closeLane(lane)
              recorder.notRun(name, system, PER_CONNECTION, `could not set up: ${(error as Error).message.split('\n')[0]}`)
            }
          }
          await sleep(plan.settleMs)
          context.log(`${systems.join(', ')}: started in ${((Date.now() - batchStarted) / 1000).toFixed(1)} s`)
          for (let t = 0; t < repetitions; t++) {
            const tranche = await Promise.all(lanes.map(lane => connectTranche(lane, plans, bounds[t]!, bounds[t + 1]!, plan.settleMs)))
            tranche.forEach((result, i) => {
              const { system } = lanes[i]!
              const members = result.connections - result.groups
              recorder.add(name, system, PER_CONNECTION, result.rssGrowth / result.connected / 1024)
              recorder.add(name, system, HEAP_PER_CONNECTION, result.heapGrowth / result.connected / 1024)
              recorder.add(name, system, PER_GROUP, (result.heapFirst - result.heapBase) / result.groups / 1024)
              recorder.add(name, system, PER_MEMBER, (result.heapAll - result.heapFirst) / members / 1024)
              recorder.add(name, system, CONNECT_CPU, result.cpuMs / result.connections)
            })
          }
          context.log(`${systems.join(', ')}: connected in ${((Date.now() - batchStarted) / 1000).toFixed(1)} s`)
          for (let r = 0; r < repetitions; r++) {
            const messages = await Promise.all(lanes.map(lane => prepareTraffic(lane, plans, plan.trafficMs, r * 100_000)))
            const traffic = await trafficWindow(lanes, messages, plan.trafficMs)
            await sleep(plan.settleMs)
            const idle = await idleWindow(lanes, plan.idleMs)
            lanes.forEach(({ system }, i) => {
              recorder.add(name, system, TRAFFIC_CPU, traffic[i]!)
              recorder.add(name, system, IDLE_CPU, idle.cpu[i]!)
              recorder.add(name, system, GENERATOR_CPU, idle.generator)
            })
          }
          for (const lane of lanes) {
            if (lane.system !== 'parley') {
              recorder.notRun(name, lane.system, DOCS_HELD, lane.system === 'floor' ? 'keeps no documents' : 'no way to ask from outside; by design one document per room with a connection')
              continue
            }
            // Parley lets an idle room's document go after its rest period (DEFAULT_DOC_REST_MS),
            // members still connected and renewing their presence: wait for it, then count.
            const before = await readHeap(lane.server)
            await sleep(DEFAULT_DOC_REST_MS * 1.5 + 1000)
            const after = await readHeap(lane.server)
            const health = (await parleyHealth(lane.server))!
            // Every document held is a group bucket's: the groups' index rooms and their members' own rooms (written at setup) have rested or unloaded.
            recorder.add(name, lane.system, DOCS_HELD, health.documents)
            recorder.add(name, lane.system, HEAP_RESTED, (before.usedBytes - after.usedBytes) / manyCase.groups / 1024)
          }
        } catch (error) {
          context.log(`${systems.join(', ')}: ${(error as Error).message.split('\n')[0]}`)
          for (const system of systems) recorder.notRun(name, system, PER_CONNECTION, `failed: ${(error as Error).message.split('\n')[0]}`)
        } finally {
          await Promise.all(lanes.map(closeLane))
        }
      }
      return recorder.measurements(order, SERVER_SYSTEMS)
    } finally {
      unpin()
    }
  }
}
