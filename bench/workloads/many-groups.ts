// Workload `many-groups`: thousands of small idle groups with presence on: what each connection and each idle group costs the relay in memory, and in CPU while idle.
import { readFileSync } from 'node:fs'
import type { Identity } from '../../shared/identity'
import { DIRECTORY_ROOM } from '../../shared/protocol'
import { cpuMeter, pinGenerator } from '../lib/generator'
import { planGroups, prepareGroupWrites, publishGroups, type GroupPlan } from '../lib/presence-groups'
import { startRenewals, type Renewals } from '../lib/presence-renewals'
import { PresenceState } from '../lib/presence-wire'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { readHeap, INSPECTOR_ENV } from '../lib/soak-heap'
import { parleyHealth, sleep } from '../lib/soak-health'
import type { ThinClient } from '../lib/thin-client'
import { closeAll, connectMany, connectThin } from '../lib/thin-connect'
import { MessageWriter } from '../lib/thin-messages'
import { createIdentities, groupBucketRoom } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import { SERVER_SYSTEMS, startServer, type RunningServer, type ServerSystem } from '../servers'
import type { BenchContext, Workload } from '../workload'

export interface ManyGroupsCase {
  groups: number
  /** Members per group, each on its own connection. */
  size: number
}

const FULL_CASE: ManyGroupsCase = { groups: 2000, size: 5 }
const QUICK_CASE: ManyGroupsCase = { groups: 200, size: 5 }

/** Identities that create the groups (on Parley each writes its groups on one directory connection). */
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
  ? { settleMs: 150, trafficMs: 600, idleMs: 1000 }
  : { settleMs: 300, trafficMs: 1000, idleMs: 1500 }

const caseName = ({ groups, size }: ManyGroupsCase): string =>
  `${(groups * size).toLocaleString('en')} connections in ${groups.toLocaleString('en')} groups of ${size}`

// NOTE: every memory figure is read right after a full GC forced through the server's inspector (soak-heap.ts): without it, RSS deltas are mostly GC timing.
const PER_CONNECTION: MetricSpec = { metric: 'relay RSS per connection (delta / connections)', unit: 'KB', better: 'lower', target: { op: '<=', value: 16 } }
const HEAP_PER_CONNECTION: MetricSpec = { metric: 'relay JS heap per connection (delta / connections)', unit: 'KB', better: 'lower' }
const PER_GROUP: MetricSpec = { metric: 'relay RSS per idle group, with its first member', unit: 'KB', better: 'lower' }
const PER_MEMBER: MetricSpec = { metric: 'relay RSS per further member of a loaded group', unit: 'KB', better: 'lower' }
const DOCS_HELD: MetricSpec = { metric: 'Y.Docs held for idle groups', unit: 'docs', better: 'lower', target: { op: '<=', value: 0 } }
const CONNECT_CPU: MetricSpec = { metric: 'relay CPU per connection set up (joined, synced, presence)', unit: 'ms', better: 'lower' }
const TRAFFIC_CPU: MetricSpec = { metric: `relay CPU, light traffic (1 msg per group per ${MESSAGE_EVERY_S} s)`, unit: 'ms/s', better: 'lower' }
const IDLE_CPU: MetricSpec = { metric: 'relay CPU while idle (renewals every 15 s)', unit: 'ms/s', better: 'lower' }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU while idle', unit: '%', better: 'lower' }

/** The soft limit on open files of this process (Node raises it to the hard limit at start). */
const openFileLimit = (): number => {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
  return !match || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
}

/** One system's relay and everything connected to it. */
interface Lane {
  system: ServerSystem
  server: RunningServer
  /** Per group, its members' clients in member order (filled as tranches connect). */
  members: ThinClient[][]
  renewals: Renewals[]
  all: ThinClient[]
}

/** Connects `targets` and publishes a presence state for each, renewed every 15 s from then on. */
const connectWithPresence = async (lane: Lane, targets: ReadonlyArray<{ room: string; identity: Identity }>): Promise<ThinClient[]> => {
  const clients = await connectMany(lane.server, targets.length, index => targets[index]!, { concurrency: 64, timeoutMs: 120_000 })
  lane.all.push(...clients)
  const presence = clients.map((_, index) => new PresenceState({ user_id: targets[index]!.identity.user_id }))
  clients.forEach((client, index) => client.sendAwareness(presence[index]!.next()))
  lane.renewals.push(startRenewals(clients.length, index => clients[index]!.sendAwareness(presence[index]!.next())))
  return clients
}

interface TrancheResult { rssBase: number; rssFirst: number; rssAll: number; heapBase: number; heapAll: number; cpuMs: number; connections: number; groups: number }

/**
 * Connects groups [from, to) on one lane: first one member of each (every room gets loaded),
 * then the others (rooms already loaded), reading the relay's RSS before, between and after.
 */
const connectTranche = async (lane: Lane, groups: readonly GroupPlan[], from: number, to: number, plan: Plan): Promise<TrancheResult> => {
  const { server } = lane
  const roomOf = (g: number) => groupBucketRoom(groups[g]!.group_id)
  const indexes = Array.from({ length: to - from }, (_, i) => from + i)
  const base = await readHeap(server)
  const cpuBefore = await server.cpuMs()
  const first = await connectWithPresence(lane, indexes.map(g => ({ room: roomOf(g), identity: groups[g]!.members[0]! })))
  indexes.forEach((g, i) => { lane.members[g] = [first[i]!] })
  await sleep(plan.settleMs)
  const { rssBytes: rssFirst } = await readHeap(server)
  const others = indexes.flatMap(g => groups[g]!.members.slice(1).map(identity => ({ g, room: roomOf(g), identity })))
  const rest = await connectWithPresence(lane, others)
  others.forEach(({ g }, i) => lane.members[g]!.push(rest[i]!))
  const cpuMs = (await server.cpuMs()) - cpuBefore
  await sleep(plan.settleMs)
  const all = await readHeap(server)
  return {
    rssBase: base.rssBytes,
    rssFirst,
    rssAll: all.rssBytes,
    heapBase: base.usedBytes,
    heapAll: all.usedBytes,
    cpuMs,
    connections: first.length + rest.length,
    groups: indexes.length
  }
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

const closeLane = async (lane: Lane): Promise<void> => {
  for (const renewals of lane.renewals) renewals.stop()
  // Stopped first: closing thousands of sockets one handshake at a time takes longer than killing the relay.
  await lane.server.stop()
  await closeAll(lane.all)
}

/** Rough time for one system to connect `connections` (about 1.5 ms each on the slowest relay), besides the windows. */
const estimateMs = (connections: number, repetitions: number, plan: Plan): number =>
  1500 + connections * 1.5 + repetitions * (2 * plan.settleMs + plan.trafficMs + plan.idleMs)

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
    const lanesAtOnce = Math.max(1, Math.min(SERVER_SYSTEMS.length, Math.floor((limit - SPARE_FDS) / (groups * wanted.size))))
    const batches = Math.ceil(SERVER_SYSTEMS.length / lanesAtOnce)
    const budget = context.deadline - Date.now() - 5000
    while (groups > 50 && batches * estimateMs(groups * wanted.size * lanesAtOnce, repetitions, plan) > budget) groups = Math.floor(groups * 0.8 / 10) * 10
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
      context.log(`${name}: ${repetitions} tranches of about ${Math.round(manyCase.groups / repetitions)} groups, ${lanesAtOnce} system(s) side by side`)

      // NOTE: systems run side by side (all relays alive, each in its own process on the server
      // core, figures read per process), which gives each the same conditions at the same time;
      // when the open-file limit cannot hold every system's connections at once, they run in
      // batches, one after another.
      for (let b = 0; b < batches; b++) {
        const systems = SERVER_SYSTEMS.slice(b * lanesAtOnce, (b + 1) * lanesAtOnce)
        const lanes: Lane[] = []
        const batchStarted = Date.now()
        try {
          for (const system of systems) {
            try {
              const server = await startServer(system, { core: SERVER_CORE, env: INSPECTOR_ENV })
              lanes.push({ system, server, members: [], renewals: [], all: [] })
              if (system === 'parley') {
                await publishGroups(server, writes)
                // NOTE: held open so the directory stays loaded (as it is for any online user), and the rooms /healthz counts are the groups' plus this one.
                const holder = await connectThin(server, { room: DIRECTORY_ROOM, identity: plans[0]!.members[0]! })
                lanes.at(-1)!.all.push(holder)
                await holder.synced
              }
            } catch (error) {
              recorder.notRun(name, system, PER_CONNECTION, `server did not start: ${(error as Error).message.split('\n')[0]}`)
            }
          }
          await sleep(plan.settleMs)
          context.log(`${systems.join(', ')}: started in ${((Date.now() - batchStarted) / 1000).toFixed(1)} s`)
          for (let t = 0; t < repetitions; t++) {
            const tranche = await Promise.all(lanes.map(lane => connectTranche(lane, plans, bounds[t]!, bounds[t + 1]!, plan)))
            tranche.forEach((result, i) => {
              const { system } = lanes[i]!
              const members = result.connections - result.groups
              recorder.add(name, system, PER_CONNECTION, (result.rssAll - result.rssBase) / result.connections / 1024)
              recorder.add(name, system, HEAP_PER_CONNECTION, (result.heapAll - result.heapBase) / result.connections / 1024)
              recorder.add(name, system, PER_GROUP, (result.rssFirst - result.rssBase) / result.groups / 1024)
              recorder.add(name, system, PER_MEMBER, (result.rssAll - result.rssFirst) / members / 1024)
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
            const health = await parleyHealth(lane.server)
            // The directory (held open) is a room too; every other room held is a group's.
            if (health) recorder.add(name, lane.system, DOCS_HELD, health.rooms - 1)
            else if (lane.system === 'floor') recorder.notRun(name, lane.system, DOCS_HELD, 'keeps no documents')
            else recorder.notRun(name, lane.system, DOCS_HELD, 'no way to ask from outside; by design one document per room with a connection')
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
