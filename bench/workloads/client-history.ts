// Workload `history`: time until the newest 50 messages of a long conversation are ready, Parley's buckets against one document holding the whole log.
import 'fake-indexeddb/auto'
import type { BenchContext, Measurement, Workload } from '../workload'
import { compare, fits, guarded, notRun, type ClientSystem } from '../lib/client-cases'
import { openNaiveFromRelay, openNaiveLocal, openParleyFromRelay, openParleyLocal } from '../lib/client-open'
import { CountingStore, benchRelay } from '../lib/client-relay'
import { NAIVE_LIMIT, chatSeed, peopleRooms, type ChatSeed } from '../lib/client-seed'
import { deleteDatabases, seedIndexeddb } from '../lib/client-storage'
import { CHROMIUM_SOURCE, startChromiumHistory, type ChromiumHistory } from '../lib/chromium-history'
import { HISTORY_WORKLOAD, historyCase, sizeLabel as label } from '../lib/client-history-case'

export const historySizes = (quick: boolean): number[] => quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000]

/** Why the naive layout is not run at this size, or null when it is. */
const naiveLeftOut = new Map<number, string>()

/** Which systems run at this size, and why the naive one does not. */
export const systemsFor = (seed: ChatSeed): { systems: ClientSystem[]; naiveSkipped: string | null } =>
  seed.naive === null
    ? {
        systems: ['parley'],
        naiveSkipped: naiveLeftOut.get(seed.size) ??
          `not run past ${label(NAIVE_LIMIT)}: one document of ${label(seed.size)} messages takes ~35 s to build and ~9 s per load, past the time budget`
      }
    : { systems: ['naive', 'parley'], naiveSkipped: null }

const fromIndexeddb = async (context: BenchContext, seed: ChatSeed, warmUp: boolean): Promise<Measurement[]> => {
  const info = historyCase(seed.size, 'IndexedDB (fake-indexeddb)')
  const { systems, naiveSkipped } = systemsFor(seed)
  const parleyPrefix = `bench-history/${seed.size}/parley/`
  const naivePrefix = `bench-history/${seed.size}/naive/`
  await seedIndexeddb(parleyPrefix, seed.rooms)
  if (seed.naive) await seedIndexeddb(naivePrefix, new Map([['log', seed.naive]]))
  try {
    const measured = await compare(context, [info], systems, async system =>
      [system === 'parley' ? await openParleyLocal(seed, parleyPrefix) : await openNaiveLocal(seed, `${naivePrefix}log`)], { warmUp })
    return naiveSkipped ? [...measured, ...notRun(info, ['naive'], naiveSkipped)] : measured
  } finally {
    await deleteDatabases(`bench-history/${seed.size}/`)
  }
}

const fromRelay = async (context: BenchContext, seed: ChatSeed, warmUp: boolean): Promise<Measurement[]> => {
  const info = historyCase(seed.size, 'relay, empty cache')
  const { systems, naiveSkipped } = systemsFor(seed)
  // NOTE: the naive log is stored as the conversation's own room, on a relay of its own.
  const stores = {
    parley: new CountingStore(seed.rooms),
    naive: new CountingStore(new Map([...peopleRooms(seed.chat), [seed.chat.room, seed.naive ?? new Uint8Array([0, 0])]]))
  }
  const measured = await compare(context, [info], systems, async (system, repetition) => {
    // A fresh relay each time: its rooms are loaded from its store (cold), as after a restart or an idle unload.
    const relay = await benchRelay(stores[system])
    const prefix = `bench-history-relay/${seed.size}/${system}/${repetition}/`
    try {
      return [system === 'parley'
        ? await openParleyFromRelay(seed, relay, prefix)
        : await openNaiveFromRelay(seed, relay, seed.chat.room, `${prefix}log`)]
    } finally {
      await relay.close()
      await deleteDatabases(prefix)
    }
  }, { warmUp })
  return naiveSkipped ? [...measured, ...notRun(info, ['naive'], naiveSkipped)] : measured
}

const SOURCES = ['IndexedDB (fake-indexeddb)', 'relay, empty cache', CHROMIUM_SOURCE]

const guardedSeed = async (context: BenchContext, size: number, naive: boolean): Promise<ChatSeed | null> => {
  try {
    return await chatSeed(size, { naive })
  } catch (error) {
    context.log(`seeding ${size} messages: ${(error as Error).stack ?? error}`)
    return null
  }
}

export const historyWorkload: Workload = {
  id: HISTORY_WORKLOAD,
  title: 'Opening history: the newest 50 messages (IndexedDB, relay, Chromium)',
  // NOTE: three sources per size, and the naive 100k log loads in seconds.
  weight: 2,
  async run (context) {
    const sizes = historySizes(context.quick)
    const measurements: Measurement[] = []
    let chromium: ChromiumHistory | null = null
    try {
      chromium = await startChromiumHistory()
    } catch (error) {
      context.log(`Chromium: ${(error as Error).stack ?? error}`)
    }
    // What sizes took so far, to tell whether the next (ten times the history) still fits.
    let firstMs = 0
    let previousMs = 0
    try {
      for (const size of sizes) {
        const started = Date.now()
        // Parley's cost hardly grows with the history (it opens the newest bucket): about what the
        // first size took. The naive layout's loads grow with it, though fixed costs (relays,
        // page loads) dominate up to 10k. When both do not fit, Parley still runs on its own.
        // NOTE: time is kept for Parley at every larger size first: the targets are Parley's.
        const laterSizes = sizes.length - 1 - sizes.indexOf(size)
        const withNaive = size <= NAIVE_LIMIT && fits(context, previousMs * (size <= 10_000 ? 1.5 : 9) + laterSizes * firstMs)
        if (!withNaive && !fits(context, firstMs)) {
          const reason = `past the workload's time budget (the previous size took ${(previousMs / 1000).toFixed(1)} s)`
          for (const source of SOURCES) measurements.push(...notRun(historyCase(size, source), ['naive', 'parley'], reason))
          continue
        }
        if (!withNaive && size <= NAIVE_LIMIT) {
          naiveLeftOut.set(size, `past the workload's time budget: one document of ${label(size)} messages loads in seconds (the previous size took ${(previousMs / 1000).toFixed(1)} s with it)`)
        }
        const warmUp = size === sizes[0]
        context.log(`${label(size)} messages: seeding`)
        const seed = await guardedSeed(context, size, withNaive)
        if (!seed) {
          for (const source of SOURCES) measurements.push(...notRun(historyCase(size, source), ['naive', 'parley'], 'seeding failed (see the log)'))
          continue
        }
        context.log(`${label(size)} messages: IndexedDB, relay, Chromium`)
        measurements.push(...await guarded(context, [historyCase(size, SOURCES[0]!)], () => fromIndexeddb(context, seed, warmUp)))
        measurements.push(...await guarded(context, [historyCase(size, SOURCES[1]!)], () => fromRelay(context, seed, warmUp)))
        measurements.push(...chromium
          ? await chromium.measure(context, seed, warmUp)
          : notRun(historyCase(size, CHROMIUM_SOURCE), ['naive', 'parley'], 'Chromium could not be started (see the log)'))
        previousMs = Date.now() - started
        firstMs ||= previousMs
        context.log(`${label(size)} messages: ${(previousMs / 1000).toFixed(1)} s`)
      }
    } finally {
      await chromium?.close()
    }
    return measurements
  }
}
