// Workload `directory-open`: a new device opening Parley on a relay of up to 100,000 people and 20,000 groups, until its sidebar shows; against v1's directory of the same relay, downloaded and applied.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openingWorld, v1Directory, v2StoreSeed, type World } from '../lib/directory-seed'
import { startFirstOpenChromium, type FirstOpenChromium } from '../lib/first-open-chromium'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { whenParleyRoomsAtMost } from '../lib/soak-health'
import { interleaved } from '../lib/stats'
import { SEED_FILE_ENV, writeStoreSeed } from '../lib/store-file'
import { SERVER_CORE } from '../lib/thin-rig'
import { startServer, type RunningServer } from '../servers'
import { startV1DirectoryServer, type V1DirectoryServer } from '../lib/v1-directory-server'
import type { BenchContext, System, Workload } from '../workload'

const WORKLOAD = 'directory-open'

interface Size {
  people: number
  groups: number
}

const FULL_SIZES: readonly Size[] = [{ people: 10_000, groups: 2_000 }, { people: 100_000, groups: 20_000 }]
const QUICK_SIZES: readonly Size[] = [{ people: 1_000, groups: 200 }]

/** v2: Parley today. v1: the directory room, as protocol v1 laid it out (PARLEY-BEFORE). */
const SYSTEMS: readonly System[] = ['parley-before', 'parley']

const caseName = ({ people, groups }: Size): string =>
  `relay of ${people.toLocaleString('en')} people and ${groups.toLocaleString('en')} groups of 8; a new device of someone with 20 direct conversations and 5 groups`

const KB = 1024
const MB = 1024 * 1024

const RECEIVED: MetricSpec = { metric: "received until the sidebar's data is complete (v1: the directory alone), Chromium", unit: 'KB', better: 'lower', target: { op: '<=', value: 200 } }
const PROFILES: MetricSpec = { metric: 'of which profile rooms (oneself and 55 contacts)', unit: 'KB', better: 'lower' }
const GROUPS: MetricSpec = { metric: "of which group rooms (one's 5 groups: record, conversation index)", unit: 'KB', better: 'lower' }
const OWN: MetricSpec = { metric: "of which one's own room and direct conversations' indexes", unit: 'KB', better: 'lower' }
const TIME: MetricSpec = { metric: "until the sidebar's data is complete (v1: the directory downloaded and applied), Chromium", unit: 'ms', better: 'lower', target: { op: '<=', value: 500 } }
const APPLY: MetricSpec = { metric: 'of which applying the directory (Y.applyUpdate)', unit: 'ms', better: 'lower' }
const HEAP: MetricSpec = { metric: "JS heap held once complete (after a forced GC; v1: the directory's Y.Doc)", unit: 'MB', better: 'lower' }
const OPENED: MetricSpec = { metric: 'on the way: the client open (its own rooms read from IndexedDB)', unit: 'ms', better: 'lower' }
const OWN_SYNCED: MetricSpec = { metric: "on the way: one's profile and own room in sync", unit: 'ms', better: 'lower' }
const GROUPS_AT: MetricSpec = { metric: 'on the way: groups() complete', unit: 'ms', better: 'lower' }
const USERS_AT: MetricSpec = { metric: 'on the way: users() complete', unit: 'ms', better: 'lower' }
const CONVERSATIONS_AT: MetricSpec = { metric: 'on the way: conversations() complete, each last message verified', unit: 'ms', better: 'lower' }
const IN_MEMORY: MetricSpec = { metric: "the same with in-memory storage instead of IndexedDB (what IndexedDB adds; a device keeps its rooms in IndexedDB)", unit: 'ms', better: 'lower' }
const RELAY_START: MetricSpec = { metric: 'relay start: its process, its store read from the seed file, its people index built (once per size, untimed)', unit: 'ms', better: 'lower' }

/** Rough time of a size: seeding both layouts, the relay's start, then per repetition two openings (each after the relay's rooms unloaded: 5–6 s) and a download. */
const estimateMs = ({ people }: Size, repetitions: number): number =>
  people * 0.4 + repetitions * (people * 0.03 + 13_000)

/** One size: the v2 relay and v1's directory seeded, then both openings in turn, `repetitions` times. */
const measureSize = async (context: BenchContext, recorder: Recorder, chromium: FirstOpenChromium, world: World, size: Size): Promise<void> => {
  const name = caseName(size)
  const started = Date.now()
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-open-'))
  const seedFile = join(dir, 'store.bin')
  let v1Server: V1DirectoryServer | null = null
  let relay: RunningServer | null = null
  try {
    const seed = v2StoreSeed(world, size.people, size.groups)
    await writeStoreSeed(seedFile, seed)
    const storeBytes = [...seed.rooms.values()].reduce((sum, update) => sum + update.byteLength, 0)
    const v1 = v1Directory(world, size.people, size.groups)
    context.log(`${name}: seeded in ${((Date.now() - started) / 1000).toFixed(1)} s (v2 store ${(storeBytes / MB).toFixed(1)} MB in ${seed.rooms.size.toLocaleString('en')} rooms; v1 directory ${(v1.length / MB).toFixed(1)} MB)`)
    v1Server = await startV1DirectoryServer(v1)
    // The relay in its own process on the relays' core: the bench relay, its store read from the seed file.
    const relayStart = performance.now()
    relay = await startServer('parley', { core: SERVER_CORE, env: { [SEED_FILE_ENV]: seedFile }, startTimeoutMs: 120_000 })
    recorder.add(name, 'parley', RELAY_START, performance.now() - relayStart)
    const timeoutMs = 60_000
    // NOTE: one untimed opening of each first, so that neither is billed for compiling the page's code.
    const runs = { parley: 0, 'parley-before': 0 } as Record<System, number>
    const run = async (system: System, timed: boolean): Promise<void> => {
      if (system === 'parley-before') {
        const { result, heapBytes } = await chromium.openV1({ url: v1Server!.url, timeoutMs })
        if (result.users !== size.people || result.groups !== size.groups) throw new Error(`v1's directory held ${result.users} people and ${result.groups} groups`)
        if (!timed) return
        recorder.add(name, system, RECEIVED, result.received.bytes / KB)
        recorder.add(name, system, TIME, result.ms)
        recorder.add(name, system, APPLY, result.applyMs)
        recorder.add(name, system, HEAP, heapBytes / MB)
        return
      }
      // NOTE: every opening finds the relay's rooms cold (none loaded: Parley unloads a room 5 s after its
      // last peer left), as on a relay where most people are away, and its code warm, as a relay's is.
      const onColdRooms = async (inMemory: boolean) => {
        await whenParleyRoomsAtMost(relay!, 0, 30_000)
        const prefix = `first-open/${size.people}/${runs[system]++}/`
        return chromium.openV2({ url: relay!.wsUrl, me: world.me, prefix, expected: world.expected, timeoutMs, inMemory })
      }
      const { result, heapBytes } = await onColdRooms(false)
      if (!timed) return
      // NOTE: the same without IndexedDB: how much of the time is the device's storage.
      recorder.add(name, system, IN_MEMORY, (await onColdRooms(true)).result.ms)
      const kind = result.received.byRoomKind
      recorder.add(name, system, RECEIVED, result.received.bytes / KB)
      recorder.add(name, system, PROFILES, (kind.profile ?? 0) / KB)
      recorder.add(name, system, GROUPS, (kind.group ?? 0) / KB)
      recorder.add(name, system, OWN, ((kind.user ?? 0) + (kind.dm ?? 0)) / KB)
      recorder.add(name, system, TIME, result.ms)
      recorder.add(name, system, HEAP, heapBytes / MB)
      recorder.add(name, system, OPENED, result.opened)
      recorder.add(name, system, OWN_SYNCED, result.ownSynced)
      recorder.add(name, system, GROUPS_AT, result.groupsAt)
      recorder.add(name, system, USERS_AT, result.usersAt)
      recorder.add(name, system, CONVERSATIONS_AT, result.conversationsAt)
      const other = Object.keys(kind).filter(room => !['profile', 'group', 'user', 'dm'].includes(room))
      if (other.length > 0) context.log(`${name}: also received frames for ${other.join(', ')}: ${other.map(room => kind[room]).join(', ')} B`)
    }
    for (const system of SYSTEMS) await run(system, false)
    const failed = new Set<System>()
    await interleaved(SYSTEMS, context.repetitions, async system => {
      if (failed.has(system)) return
      try {
        await run(system, true)
      } catch (error) {
        failed.add(system)
        context.log(`${name}, ${system}: ${(error as Error).stack ?? error}`)
        recorder.notRun(name, system, RECEIVED, `failed: ${(error as Error).message}`)
      }
    })
  } finally {
    await relay?.stop()
    await v1Server?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export const directoryOpen: Workload = {
  id: WORKLOAD,
  title: 'First open at scale: a new device until its sidebar shows, on a relay of up to 100,000 people (v2), against downloading and applying v1\'s directory of the same relay',
  weight: 1.5,
  async run (context) {
    const recorder = new Recorder(WORKLOAD)
    const sizes = context.quick ? QUICK_SIZES : FULL_SIZES
    const world = await openingWorld()
    let chromium: FirstOpenChromium | null = null
    try {
      chromium = await startFirstOpenChromium()
      for (const [index, size] of sizes.entries()) {
        // NOTE: the first size always runs, so that a tight budget still gives figures.
        if (index > 0 && Date.now() + estimateMs(size, context.repetitions) > context.deadline) {
          for (const system of SYSTEMS) recorder.notRun(caseName(size), system, RECEIVED, 'time budget exhausted')
          continue
        }
        try {
          await measureSize(context, recorder, chromium, world, size)
        } catch (error) {
          context.log(`${caseName(size)}: ${(error as Error).stack ?? error}`)
          for (const system of SYSTEMS) recorder.notRun(caseName(size), system, RECEIVED, `failed: ${(error as Error).message}`)
        }
      }
    } catch (error) {
      context.log(`Chromium: ${(error as Error).stack ?? error}`)
      for (const size of sizes) for (const system of SYSTEMS) recorder.notRun(caseName(size), system, RECEIVED, `failed: ${(error as Error).message}`)
    } finally {
      await chromium?.close()
    }
    return recorder.measurements(sizes.map(caseName), SYSTEMS)
  }
}
