// Workload `receive`: the client's CPU per received message with a 300-message conversation open in the app's view, applying what changed against re-reading its pages (the view before, bench/baselines/).
import * as Y from 'yjs'
import { RELAY_ORIGIN } from '../../shared/origin'
import { bucketRoom } from '../../shared/protocol'
import { ParleyClient } from '../../client/parley'
import { offlineNetwork, type Storage } from '../../client/transport'
import type { Conversation } from '../../client/conversation/conversation'
import type { Message } from '../../shared/model'
import { MAX_KEPT } from '../../web/message-window'
import { chatSeed, type ChatSeed } from '../lib/client-seed'
import { seededMemoryStorage } from '../lib/client-storage'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { median, percentile } from '../lib/stats'
import { allowSvelteModules } from '../lib/svelte-modules'
import type { System, Workload } from '../workload'

const WORKLOAD = 'receive'

/** Messages in the conversation when it is opened: the view scrolls up until it shows them all (MAX_KEPT). */
const HISTORY = MAX_KEPT

const CASE = `${HISTORY}-message conversation open, all ${HISTORY} shown, the other person sending one message at a time`

const CPU_MEDIAN: MetricSpec = { metric: 'client CPU per received message: until the view shows it and what it set off is done (median of each run)', unit: 'µs', better: 'lower' }
const CPU: MetricSpec = { metric: 'client CPU per received message (values: p99 per run)', unit: 'µs', better: 'lower' }
const PAGES: MetricSpec = { metric: 'history pages read per received message (mean of each run)', unit: 'pages', better: 'lower' }

/** Untimed messages first in each repetition, so that neither view is billed for compiling the code they share. */
const WARM_UP_MESSAGES = 10

/** The view models compared: the app's, and the one before (same surface, read through this). */
interface View {
  readonly loaded: boolean
  readonly hasOlder: boolean
  readonly messages: readonly Message[]
  loadOlder(): Promise<void>
  keepNewest(): void
  close(): Promise<void>
}
type ViewClass = new (conversation: Conversation) => View

const SYSTEMS = ['parley-before', 'parley'] as const satisfies readonly System[]
type ReceiveSystem = typeof SYSTEMS[number]

const loadViews = async (): Promise<Record<ReceiveSystem, ViewClass>> => {
  allowSvelteModules()
  const [after, before] = await Promise.all([
    import('../../web/conversation-view.svelte'),
    import('../baselines/receive-view.svelte')
  ])
  return { parley: after.ConversationView, 'parley-before': before.ConversationView }
}

/** Polls (without timers, which would idle the CPU clock) until `done` holds; fails after 10 s. */
const until = async (what: string, done: () => boolean): Promise<void> => {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

/** CPU this process spent since `start` (µs). */
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start)
  return used.user + used.system
}

/**
 * How long the clock keeps running after the message is shown. NOTE: work a message set off
 * can outlast its showing (the view before read its pages again for each of the message's two
 * updates, the second often after the message was shown): it is billed to that message, not
 * to whatever is measured next. The CPU of sleeping this long with nothing to do is measured
 * the same way (`idleCost`) and taken off every sample.
 */
const AFTERMATH_MS = 10

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** The CPU of an AFTERMATH_MS sleep with nothing to do: the median of 21 (µs). */
const idleCost = async (): Promise<number> => {
  const costs: number[] = []
  for (let i = 0; i < 21; i++) {
    const start = process.cpuUsage()
    await sleep(AFTERMATH_MS)
    costs.push(cpuSince(start))
  }
  return median(costs)
}

/** Seeded memory storage that also hands out each room's document. */
const seededWithDocs = (seed: ChatSeed): { storage: Storage; docs: Map<string, Y.Doc> } => {
  const docs = new Map<string, Y.Doc>()
  const seeded = seededMemoryStorage(seed.rooms)
  return { docs, storage: { persist: (room, doc) => { docs.set(room, doc); return seeded.persist(room, doc) } } }
}

interface Reader {
  readonly system: ReceiveSystem
  readonly client: ParleyClient
  readonly docs: Map<string, Y.Doc>
  readonly view: View
  /** History pages the view has read so far. */
  pages: number
}

/** Bob with the conversation open in a view, scrolled up until all of it is shown. */
const openReader = async (seed: ChatSeed, system: ReceiveSystem, View: ViewClass): Promise<Reader> => {
  const { storage, docs } = seededWithDocs(seed)
  const client = await ParleyClient.open({ identity: seed.chat.bob, network: offlineNetwork, storage })
  const conversation = await client.openDirect(seed.chat.alice.user_id)
  const reader: Reader = { system, client, docs, view: new View(conversation), pages: 0 }
  const history = conversation.history.bind(conversation)
  conversation.history = options => { reader.pages++; return history(options) }
  await until('the first page', () => reader.view.loaded)
  while (reader.view.hasOlder) await reader.view.loadOlder()
  if (reader.view.messages.length !== HISTORY) throw new Error(`${system}: ${reader.view.messages.length} messages shown, not ${HISTORY}`)
  return reader
}

/**
 * Hands Alice's updates of one message to a reader as the relay would, and returns the CPU
 * this process spent from there until the reader's view shows the message and all it set off
 * is done (µs); then lets the view drop its oldest page (untimed, as the log does when it is at
 * the bottom).
 */
const receive = async (reader: Reader, updates: ReadonlyArray<readonly [string, Uint8Array]>, sent: Message): Promise<number> => {
  const start = process.cpuUsage()
  for (const [room, update] of updates) Y.applyUpdate(reader.docs.get(room)!, update, RELAY_ORIGIN)
  await until(`${reader.system} to show the message`, () => reader.view.messages.at(-1)?.message_id === sent.message_id)
  await sleep(AFTERMATH_MS)
  const used = cpuSince(start)
  reader.view.keepNewest()
  await until(`${reader.system} to keep at most ${MAX_KEPT}`, () => reader.view.messages.length <= MAX_KEPT)
  await sleep(AFTERMATH_MS)
  return used
}

/**
 * One repetition: a reader per system and Alice; each message Alice sends goes to both
 * readers, in turn (alternating which goes first), so that each pair of figures is the same
 * message, in the same state of the conversation.
 */
const repetition = async (seed: ChatSeed, views: Record<ReceiveSystem, ViewClass>, messages: number, deadline: number, log: (line: string) => void): Promise<Record<ReceiveSystem, { cpu: number[]; pages: number }>> => {
  const writerSide = seededWithDocs(seed)
  const writer = await ParleyClient.open({ identity: seed.chat.alice, network: offlineNetwork, storage: writerSide.storage })
  const readers: Reader[] = []
  try {
    for (const system of SYSTEMS) readers.push(await openReader(seed, system, views[system]))
    const sending = await writer.openDirect(seed.chat.bob.user_id)
    const queued: Array<readonly [string, Uint8Array]> = []
    for (const room of [seed.chat.room, bucketRoom(seed.chat.ref, 0)]) {
      writerSide.docs.get(room)!.on('update', (update: Uint8Array) => { queued.push([room, update]) })
    }
    let idle = 0
    const results = Object.fromEntries(SYSTEMS.map(system => [system, { cpu: [] as number[], pages: 0 }])) as Record<ReceiveSystem, { cpu: number[]; pages: number }>
    for (let i = 0; i < WARM_UP_MESSAGES + messages; i++) {
      // Past the workload's share of time, a repetition ends early (never before one timed message).
      if (i > WARM_UP_MESSAGES && Date.now() > deadline) break
      if (i === WARM_UP_MESSAGES) {
        idle = await idleCost()
        log(`idle ${AFTERMATH_MS} ms: ${idle} µs of CPU, taken off each sample`)
      }
      const sent = await sending.send(`received ${i}: the meeting moved to three, can you send me the notes?`)
      const updates = queued.splice(0)
      const order = i % 2 === 0 ? readers : [...readers].reverse()
      for (const reader of order) {
        const pagesBefore = reader.pages
        const cpu = await receive(reader, updates, sent)
        if (i < WARM_UP_MESSAGES) continue
        results[reader.system].cpu.push(cpu - idle)
        results[reader.system].pages += reader.pages - pagesBefore
      }
    }
    return results
  } finally {
    for (const reader of readers) {
      await reader.view.close()
      await reader.client.close()
    }
    await writer.close()
  }
}

export const receiveWorkload: Workload = {
  id: WORKLOAD,
  title: 'Client receive path: CPU per received message with a 300-message conversation open, the view applying changes against re-reading its pages (before)',
  // NOTE: in-process and short: some 20 s in a full run.
  weight: 0.3,
  async run (context) {
    const recorder = new Recorder(WORKLOAD)
    const views = await loadViews()
    const seed = await chatSeed(HISTORY, { naive: false })
    const messages = context.quick ? 30 : 100
    context.log(`${CASE}: ${context.repetitions} repetitions of ${messages} messages, each to both views in turn`)
    for (let i = 0; i < context.repetitions; i++) {
      const repetitionDeadline = Date.now() + (context.deadline - Date.now()) / (context.repetitions - i)
      try {
        const results = await repetition(seed, views, messages, repetitionDeadline, context.log)
        for (const system of SYSTEMS) {
          const { cpu, pages } = results[system]
          recorder.add(CASE, system, CPU_MEDIAN, median(cpu))
          recorder.add(CASE, system, CPU, percentile(cpu, 99), cpu)
          recorder.add(CASE, system, PAGES, pages / cpu.length)
        }
      } catch (error) {
        context.log(`${CASE}: ${(error as Error).stack ?? error}`)
        for (const system of SYSTEMS) recorder.notRun(CASE, system, CPU_MEDIAN, `failed: ${(error as Error).message}`)
        break
      }
    }
    return recorder.measurements([CASE], SYSTEMS)
  }
}
