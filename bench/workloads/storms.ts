// Workload `storms`: many clients joining or reconnecting at once to the newest bucket of a long conversation: time to synced, relay CPU and bytes per join, cold and warm.
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { BUCKET_CAPACITY, bucketRoom, groupConversation } from '../../shared/protocol'
import { pinGenerator } from '../lib/generator'
import { prepareGroupWrites, publishGroups } from '../lib/presence-groups'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { sleep, whenParleyRoomsAtMost } from '../lib/soak-health'
import { interleaved, percentile } from '../lib/stats'
import { StormClient, prepareJoin } from '../lib/storm-client'
import { buildHistory, seedHistory } from '../lib/storm-history'
import { createIdentities } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import { startServer, type RunningServer, type ServerSystem } from '../servers'
import type { Measurement, System, Workload } from '../workload'

/** FLOOR keeps no state, so it has no history to sync: reported as not run. */
const SYSTEMS: readonly ServerSystem[] = ['stock', 'hocuspocus', 'parley']
const ALL_SYSTEMS: readonly System[] = ['floor', ...SYSTEMS]

type Mode = 'cold' | 'warm'

export interface StormCase {
  clients: number
  mode: Mode
}

/**
 * Messages in the room the storms join: a full bucket. NOTE: a conversation's history is written
 * in buckets of BUCKET_CAPACITY messages, each its own room, the writer moving on to the next
 * once the newest is full (client/conversation/buckets.ts), and the relay refuses a bucket past
 * 2,000 entries ('bucket-full'). A device reconnecting to a conversation re-joins the buckets it
 * has open, always the newest; a new device opens the newest first, and older ones only as a
 * person scrolls. So whatever a conversation's length (1,000 messages or 100,000), what a storm
 * joins is its newest bucket, at most 1,000 messages: the older buckets are rooms no join touches.
 */
const BUCKET_MESSAGES = BUCKET_CAPACITY

/** Cases in order of importance: when the deadline is near, the last ones are dropped. */
const FULL_CASES: readonly StormCase[] = [
  { clients: 100, mode: 'warm' },
  { clients: 1, mode: 'cold' },
  { clients: 500, mode: 'warm' },
  { clients: 100, mode: 'cold' },
  { clients: 1, mode: 'warm' },
  // Past the transfer cap below, so reported as not run: every client gets the whole bucket.
  { clients: 500, mode: 'cold' }
]

const QUICK_CASES: readonly StormCase[] = [
  { clients: 100, mode: 'warm' },
  { clients: 1, mode: 'cold' },
  { clients: 100, mode: 'cold' },
  { clients: 1, mode: 'warm' }
]

/** Messages the warm client lacks. */
const TAIL = 10
/** Identities the storm's clients take in turn (on Parley each connection still signs its own token). */
const JOINERS = 100
/** Authors of the bucket's messages. */
const SENDERS = 10
/** Bytes of a message in the bucket, about (a signed Parley message as a Yjs map entry). */
const MESSAGE_BYTES = 410
/** A storm whose clients would receive more than this in all is not run (cold: each gets the whole bucket). */
const MAX_STORM_BYTES = 50 * 2 ** 20
/**
 * A single client's join may cost less than the relay's CPU clock (10 ms): it is repeated one
 * join after another until about this much relay CPU is expected, 2 to 20 times.
 */
const SINGLE_JOINS_CPU_MS = 40

/** Rough relay CPU of one join, ms: a cold join encodes the whole bucket. */
const joinCpuEstimateMs = ({ mode }: StormCase): number => mode === 'cold' ? 1 + BUCKET_MESSAGES / 150 : 1.5

const singleJoins = (stormCase: StormCase): number =>
  Math.max(2, Math.min(20, Math.ceil(SINGLE_JOINS_CPU_MS / joinCpuEstimateMs(stormCase))))

const caseName = ({ clients, mode }: StormCase): string =>
  `newest bucket (${BUCKET_MESSAGES.toLocaleString('en')} messages), ${clients} client${clients === 1 ? '' : 's'}, ${mode}`

const SYNCED: MetricSpec = { metric: 'time to synced from connect (values: p99 per storm)', unit: 'ms', better: 'lower' }
const AFTER_OPEN: MetricSpec = { metric: 'socket open → sync step 2 (values: p99 per storm)', unit: 'ms', better: 'lower' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU per join', unit: 'ms', better: 'lower' }
const BYTES: MetricSpec = { metric: 'bytes received per join, until synced', unit: 'KB', better: 'lower' }

const cpuTarget = ({ mode }: StormCase): Measurement['target'] => mode === 'warm' ? { op: '<=', value: 1 } : undefined

interface StormResult {
  synced: number[]
  afterOpen: number[]
  bytes: number[]
  relayCpuMs: number
  joins: number
}

/**
 * One storm: each wave's clients connect at once, each with `stateVector`, and are measured
 * until every one has its sync step 2; the next wave starts after that. Sockets stay open until
 * the end, so the relay CPU counted is the joins' alone.
 */
const storm = async (server: RunningServer, room: string, waves: readonly number[], stateVector: Uint8Array, joiners: readonly Identity[], timeoutMs: number): Promise<StormResult> => {
  const result: StormResult = { synced: [], afterOpen: [], bytes: [], relayCpuMs: 0, joins: 0 }
  const opened: StormClient[] = []
  try {
    // Credentials are made before the clock starts: signing them is the clients' work.
    const plans = await Promise.all(waves.map(count => Promise.all(Array.from({ length: count }, (_, i) => prepareJoin(server, room, joiners[i % joiners.length])))))
    const cpuBefore = await server.cpuMs()
    for (const round of plans) {
      const startedAt = performance.now()
      const wave = round.map(plan => new StormClient(plan, stateVector))
      opened.push(...wave)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        Promise.all(wave.map(client => client.synced)),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`not synced within ${timeoutMs / 1000} s`)), timeoutMs) })
      ]).finally(() => clearTimeout(timer))
      for (const client of wave) {
        result.synced.push(client.syncedAt - startedAt)
        result.afterOpen.push(client.syncedAt - client.openedAt)
        result.bytes.push(client.bytesAtSync)
      }
    }
    result.relayCpuMs = (await server.cpuMs()) - cpuBefore
    result.joins = opened.length
    return result
  } finally {
    await Promise.all(opened.map(client => client.close()))
    // Let the relay finish with the closes before anything else is measured.
    await sleep(30)
  }
}

interface Lane {
  system: ServerSystem
  server: RunningServer
  /** Held open for the whole run: the bucket's room (relays without persistence drop a room with its last connection). */
  keepers: StormClient[]
}

const closeLane = async (lane: Lane): Promise<void> => {
  await Promise.all(lane.keepers.map(keeper => keeper.close()))
  await lane.server.stop()
}

/** Rough time of one storm on one system. */
const estimateStormMs = (stormCase: StormCase): number => {
  const joins = stormCase.clients === 1 ? singleJoins(stormCase) : stormCase.clients
  return 150 + joins * 2 * joinCpuEstimateMs(stormCase)
}

export const storms: Workload = {
  id: 'storms',
  title: 'Join and reconnect storms: time to synced, relay CPU and bytes per join, cold and warm',
  async run (context) {
    const recorder = new Recorder('storms')
    const cases = context.quick ? QUICK_CASES : FULL_CASES
    const order = [...cases].sort((a, b) => a.clients - b.clients || a.mode.localeCompare(b.mode)).map(caseName)
    const runnable = cases.filter(stormCase => {
      const bytes = stormCase.clients * BUCKET_MESSAGES * MESSAGE_BYTES
      if (stormCase.mode === 'warm' || bytes <= MAX_STORM_BYTES) return true
      for (const system of SYSTEMS) recorder.notRun(caseName(stormCase), system, SYNCED, `would send ${Math.round(bytes / 2 ** 20)} MB (every client gets the whole bucket); the cap is ${MAX_STORM_BYTES / 2 ** 20} MB per storm`)
      return false
    })
    for (const stormCase of cases) recorder.notRun(caseName(stormCase), 'floor', SYNCED, 'keeps no state: there are no messages to sync')

    const unpin = pinGenerator(GENERATOR_CORE)
    const lanes: Lane[] = []
    try {
      const identities = await createIdentities(1 + SENDERS + JOINERS)
      const [creator, senders, joiners] = [identities[0]!, identities.slice(1, 1 + SENDERS), identities.slice(1 + SENDERS)]
      const group_id = randomId()
      // The newest bucket of a group's conversation of 10,000 messages (buckets 0 to 9).
      const room = bucketRoom(groupConversation(group_id), 10_000 / BUCKET_CAPACITY - 1)

      for (const system of SYSTEMS) {
        let lane: Lane | null = null
        try {
          lane = { system, server: await startServer(system, { core: SERVER_CORE }), keepers: [] }
          if (system === 'parley') {
            // NOTE: the relay reads the group's members from its index room once, when the record is
            // written, and keeps them: no join of a storm loads another room to check access.
            await publishGroups(lane.server, prepareGroupWrites([{ group_id, members: identities }]))
            // The rooms written at setup (the index room, every member's own room) unload before any storm, not during one.
            await whenParleyRoomsAtMost(lane.server, 0)
          }
          lanes.push(lane)
        } catch (error) {
          if (lane) await closeLane(lane)
          for (const stormCase of cases) recorder.notRun(caseName(stormCase), system, SYNCED, `could not set up: ${(error as Error).message.split('\n')[0]}`)
        }
      }

      // The bucket's messages, built once and sent into every system (a keeper holding the room).
      const started = Date.now()
      const bucket = await buildHistory(BUCKET_MESSAGES, senders, group_id, { tail: TAIL })
      const seeded = new Set<ServerSystem>()
      for (const lane of lanes) {
        try {
          const keeper = new StormClient(await prepareJoin(lane.server, room, creator), Uint8Array.of(0))
          lane.keepers.push(keeper)
          await keeper.synced
          await seedHistory(lane.server, room, bucket, senders)
          seeded.add(lane.system)
        } catch (error) {
          context.log(`${lane.system}: could not seed the bucket: ${(error as Error).message.split('\n')[0]}`)
          for (const stormCase of runnable) recorder.notRun(caseName(stormCase), lane.system, SYNCED, `bucket not seeded: ${(error as Error).message.split('\n')[0]}`)
        }
      }
      context.log(`a bucket of ${BUCKET_MESSAGES.toLocaleString('en')} messages built and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)

      // Cases in order of importance, while they fit.
      for (const stormCase of runnable) {
        const name = caseName(stormCase)
        const stormsMs = estimateStormMs(stormCase) * lanes.length * context.repetitions
        // NOTE: the first case always runs, so a tight budget still gives figures.
        if (stormCase !== runnable[0] && Date.now() + stormsMs > context.deadline) {
          for (const lane of lanes) recorder.notRun(name, lane.system, SYNCED, 'time budget exhausted')
          continue
        }
        const stateVector = stormCase.mode === 'warm' ? bucket.warmStateVector : Uint8Array.of(0)
        const timeoutMs = context.quick ? 20_000 : 60_000
        // A single client's join is repeated one after another (see SINGLE_JOINS_CPU_MS); a storm is one wave.
        const waves = stormCase.clients === 1 ? Array.from({ length: singleJoins(stormCase) }, () => 1) : [stormCase.clients]
        const failed = new Set<ServerSystem>()
        await interleaved(lanes, context.repetitions, async lane => {
          if (failed.has(lane.system) || !seeded.has(lane.system)) return
          try {
            const result = await storm(lane.server, room, waves, stateVector, joiners, timeoutMs)
            recorder.add(name, lane.system, SYNCED, percentile(result.synced, 99), result.synced)
            recorder.add(name, lane.system, AFTER_OPEN, percentile(result.afterOpen, 99), result.afterOpen)
            recorder.add(name, lane.system, { ...RELAY_CPU, target: cpuTarget(stormCase) }, result.relayCpuMs / result.joins)
            recorder.add(name, lane.system, BYTES, result.bytes.reduce((sum, bytes) => sum + bytes, 0) / result.bytes.length / 1024)
          } catch (error) {
            failed.add(lane.system)
            context.log(`${name}: ${lane.system}: ${(error as Error).message.split('\n')[0]}`)
            recorder.notRun(name, lane.system, SYNCED, `failed: ${(error as Error).message.split('\n')[0]}`)
          }
        })
      }
      return recorder.measurements(order, ALL_SYSTEMS)
    } finally {
      await Promise.all(lanes.map(closeLane))
      unpin()
    }
  }
}
