// Workload `write`: the client's write path: microseconds per local send, and time until the send is committed to IndexedDB, against a Y.Array append.
import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { ParleyClient } from '../../client/parley'
import { memoryStorage, offlineNetwork, type LocalCopy, type Storage } from '../../client/transport'
import type { BenchContext, Measurement, Workload } from '../workload'
import { compare, fits, guarded, notRun, type CaseInfo, type ClientSystem, type Figure } from '../lib/client-cases'
import { median } from '../lib/stats'
import { naiveSend } from '../lib/client-naive'
import { NAIVE_LIMIT, benchChat, chatSeed, unsignedMessage, type ChatSeed } from '../lib/client-seed'
import { WatchedIndexeddbStorage, deleteDatabases, seedIndexeddb, seededMemoryStorage } from '../lib/client-storage'

const WORKLOAD = 'write'

/** Untimed sends first: the first send of a full head bucket starts the next one (a new room), once per 1,000. */
const WARM_UP_SENDS = 20

type Medium = 'memory' | 'indexeddb'

const MEDIUM_LABEL: Record<Medium, string> = { memory: 'memory storage', indexeddb: 'IndexedDB (fake-indexeddb)' }

const label = (size: number): string => size === 0 ? 'empty history' : size >= 1_000_000 ? `${size / 1_000_000}M history` : `${size / 1000}k history`

const sendCase = (size: number, medium: Medium): CaseInfo => ({
  workload: WORKLOAD,
  case: `${label(size)}, ${MEDIUM_LABEL[medium]}`,
  // NOTE: Parley shows the message before it is signed; NAIVE has no view before its document,
  // so its figure is sign + push. "signed and in the document" compares the two like for like.
  metric: 'local send (until in the conversation\'s view)',
  unit: 'µs',
  better: 'lower',
  target: { op: '<=', value: 25 }
})

const durableCase = (size: number): CaseInfo => ({
  workload: WORKLOAD,
  case: `${label(size)}, ${MEDIUM_LABEL.indexeddb}`,
  metric: 'committed to IndexedDB',
  unit: 'ms',
  better: 'lower'
})

/** Until the send's promise resolves: signed, in the Y.Doc, noted in the outbox. */
const writtenCase = (size: number, medium: Medium): CaseInfo => ({
  workload: WORKLOAD,
  case: `${label(size)}, ${MEDIUM_LABEL[medium]}`,
  metric: 'signed and in the document',
  unit: 'µs',
  better: 'lower'
})

/** The rows of one case, in the order timeSends returns its figures. */
const casesOf = (size: number, medium: Medium): CaseInfo[] =>
  medium === 'indexeddb'
    ? [sendCase(size, medium), writtenCase(size, medium), durableCase(size)]
    : [sendCase(size, medium), writtenCase(size, medium)]

/**
 * Times `sends` sends: until the message is in the conversation's view (Parley: `send`
 * returns; NAIVE has no view before its document: until it is pushed), until it is signed and
 * in the document (the send's promise resolves), then, with `committed`, until IndexedDB has
 * committed what it wrote.
 * NOTE: the next send starts once the previous one is committed, as in a chat where messages
 * are seconds apart; back-to-back sends would measure a queue behind IndexedDB instead.
 */
const timeSends = async (
  sends: number,
  send: (i: number) => Promise<unknown>,
  { visibleOnReturn, committed }: { visibleOnReturn: boolean; committed?: () => Promise<unknown> }
): Promise<Figure[]> => {
  for (let i = 0; i < WARM_UP_SENDS; i++) {
    await send(i)
    await committed?.()
  }
  const inView: number[] = []
  const written: number[] = []
  const durable: number[] = []
  for (let i = 0; i < sends; i++) {
    const start = performance.now()
    const sending = send(WARM_UP_SENDS + i)
    const returned = performance.now()
    await sending
    const done = performance.now()
    inView.push(((visibleOnReturn ? returned : done) - start) * 1000)
    written.push((done - start) * 1000)
    if (committed) {
      await committed()
      durable.push(performance.now() - start)
    }
  }
  // Each repetition's value is its median send; every send is a sample (for p99).
  const figures: Figure[] = [{ value: median(inView), samples: inView }, { value: median(written), samples: written }]
  if (committed) figures.push({ value: median(durable), samples: durable })
  return figures
}

const text = (i: number): string => `bench send ${i}: the meeting moved to three, can you send me the notes?`

/**
 * Alice writing in her conversation with Bob, offline (the local path only): a fresh client
 * each time, from memory seeded with the history or from IndexedDB under `prefix` (seeded once
 * per case: what earlier repetitions added stays, a few hundred messages).
 */
const parleySends = async (seed: ChatSeed | null, medium: Medium, prefix: string, sends: number): Promise<Figure[]> => {
  const chat = seed?.chat ?? await benchChat()
  let storage: Storage
  let watched: WatchedIndexeddbStorage | null = null
  if (medium === 'memory') {
    storage = seed ? seededMemoryStorage(seed.rooms) : memoryStorage
  } else {
    storage = watched = new WatchedIndexeddbStorage(prefix)
  }
  const client = await ParleyClient.open({ identity: chat.alice, network: offlineNetwork, storage })
  try {
    const conversation = await client.openDirect(chat.bob.user_id)
    return await timeSends(sends, i => conversation.send(text(i)), { visibleOnReturn: true, committed: watched ? () => watched.committed() : undefined })
  } finally {
    await client.close()
  }
}

/** The naive log: Alice's message signed and pushed onto the one Y.Array. */
const naiveSends = async (seed: ChatSeed | null, medium: Medium, prefix: string, sends: number): Promise<Figure[]> => {
  const chat = seed?.chat ?? await benchChat()
  const doc = new Y.Doc()
  let watched: WatchedIndexeddbStorage | null = null
  let local: LocalCopy | null = null
  if (medium === 'memory') {
    if (seed?.naive) Y.applyUpdate(doc, seed.naive)
  } else {
    watched = new WatchedIndexeddbStorage(prefix, undefined, 'y-indexeddb')
    local = watched.persist('log', doc)
    await local.loaded
  }
  try {
    return await timeSends(sends, i => {
      const now = new Date().toISOString()
      return naiveSend(doc, chat.alice, { ...unsignedMessage(chat, 1, 0), content: text(i), created_at: now, updated_at: now })
    }, { visibleOnReturn: false, committed: watched ? () => watched.committed() : undefined })
  } finally {
    await local?.destroy()
    doc.destroy()
  }
}

/** Why the naive layout is left out: past NAIVE_LIMIT it is never built. */
const NAIVE_TOO_LARGE = (size: number): string =>
  `not run past ${NAIVE_LIMIT / 1000}k: one document of ${size / 1000}k messages takes ~35 s to build and ~9 s per load, past the time budget`

const writeCases = async (context: BenchContext, size: number, medium: Medium, sends: number, warmUp: boolean, withNaive: boolean): Promise<Measurement[]> => {
  const seed = size === 0 ? null : await chatSeed(size, { naive: withNaive })
  const infos = casesOf(size, medium)
  const naiveFits = seed === null || seed.naive !== null
  const systems: ClientSystem[] = naiveFits ? ['naive', 'parley'] : ['parley']
  const prefixOf = (system: ClientSystem) => `bench-write/${size}/${medium}/${system}/`
  if (medium === 'indexeddb' && seed) {
    await seedIndexeddb(prefixOf('parley'), seed.rooms)
    if (seed.naive) await seedIndexeddb(prefixOf('naive'), new Map([['log', seed.naive]]))
  }
  let measured: Measurement[]
  try {
    measured = await compare(context, infos, systems, system => system === 'parley'
      ? parleySends(seed, medium, prefixOf(system), sends)
      : naiveSends(seed, medium, prefixOf(system), sends), { warmUp })
  } finally {
    if (medium === 'indexeddb') await deleteDatabases(`bench-write/${size}/${medium}/`)
  }
  if (naiveFits) return measured
  const reason = size > NAIVE_LIMIT ? NAIVE_TOO_LARGE(size) : "past the workload's time budget (Parley ran on its own)"
  return [...measured, ...infos.flatMap(info => notRun(info, ['naive'], reason))]
}

export const writeWorkload: Workload = {
  id: WORKLOAD,
  title: 'Client write path: local send and commit to IndexedDB',
  // NOTE: short: a few hundred sends per case.
  weight: 0.5,
  async run (context) {
    const sizes = context.quick ? [0, 10_000] : [0, 10_000, 100_000, 1_000_000]
    const sends = context.quick ? 50 : 300
    const measurements: Measurement[] = []
    // The longest case so far (the naive layout's grow with the history), and the longest at an
    // empty history: about what Parley alone costs at any size, since it only opens the head bucket.
    let previousMs = 0
    let emptyMs = 0
    for (const size of sizes) {
      for (const medium of ['memory', 'indexeddb'] as const) {
        const started = Date.now()
        const infos = casesOf(size, medium)
        const withNaive = size <= NAIVE_LIMIT && fits(context, previousMs * 5)
        if (!withNaive && !fits(context, emptyMs)) {
          measurements.push(...infos.flatMap(info => notRun(info, ['naive', 'parley'], "past the workload's time budget")))
          continue
        }
        context.log(`${label(size)}, ${MEDIUM_LABEL[medium]}${withNaive ? '' : ', Parley only'}`)
        measurements.push(...await guarded(context, infos, () => writeCases(context, size, medium, sends, size === sizes[0], withNaive)))
        const tookMs = Date.now() - started
        if (withNaive) previousMs = Math.max(previousMs, tookMs)
        if (size === 0) emptyMs = Math.max(emptyMs, tookMs)
      }
    }
    return measurements
  }
}
