// Workload `storage`: bytes per message on the wire, in IndexedDB and in the relay's store, write amplification, and what opening and closing a client adds.
import 'fake-indexeddb/auto'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { ParleyClient } from '../../client/parley'
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { offlineNetwork } from '../../client/transport'
import { MessageType } from '../../shared/protocol'
import type { Message } from '../../shared/model'
import type { BenchContext, Measurement, Workload } from '../workload'
import { compare, fits, guarded, notRun, type CaseInfo, type ClientSystem } from '../lib/client-cases'
import { whenKnown } from '../lib/client-known'
import { naiveNewest, naiveSend, openNaive } from '../lib/client-naive'
import { PAGE } from '../lib/client-open'
import { CountingStore, benchNetwork, benchRelay, clientFrameHeader, countingWebSocket, type WireCounter } from '../lib/client-relay'
import { benchChat, chatSeed, contentOf, peopleRooms, unsignedMessage, type Chat, type ChatSeed } from '../lib/client-seed'
import { WatchedIndexeddbStorage, countIndexeddbWrites, deleteDatabases, seedIndexeddb, storedBytes } from '../lib/client-storage'

const WORKLOAD = 'storage'

const STORAGE_TARGET = { op: '<=', value: 1.2 } as const
const AMPLIFICATION_TARGET = { op: '<=', value: 2 } as const

/** Every figure of one run of N sends. */
interface SendFigures {
  json: number
  wire: number
  indexeddbStored: number
  indexeddbWritten: number
  storeAppended: number
  storeCompacted: number
  storeWritten: number
}

const METRICS: Array<{ key: keyof SendFigures | 'wireRatio'; metric: string; unit: string; ratio?: boolean; target?: CaseInfo['target'] }> = [
  { key: 'json', metric: 'JSON per message', unit: 'B' },
  { key: 'wire', metric: 'wire per message (client → relay)', unit: 'B' },
  { key: 'indexeddbStored', metric: 'IndexedDB stored / JSON', unit: '×', ratio: true, target: STORAGE_TARGET },
  { key: 'indexeddbWritten', metric: 'IndexedDB write amplification (written / JSON)', unit: '×', ratio: true, target: AMPLIFICATION_TARGET },
  { key: 'storeAppended', metric: 'relay store after appends / JSON', unit: '×', ratio: true },
  { key: 'storeCompacted', metric: 'relay store after compaction / JSON', unit: '×', ratio: true, target: STORAGE_TARGET },
  { key: 'storeWritten', metric: 'relay write amplification (written / JSON)', unit: '×', ratio: true, target: AMPLIFICATION_TARGET }
]

const sendInfos = (label: string): CaseInfo[] => METRICS.map(({ metric, unit, target }) => ({
  workload: WORKLOAD, case: label, metric, unit, better: 'lower', ...(target ? { target } : {})
}))

/** Per message, or per JSON byte for the ratios. */
const figuresOf = (totals: SendFigures, sends: number): number[] =>
  METRICS.map(({ key, ratio }) => ratio ? totals[key as keyof SendFigures] / totals.json : totals[key as keyof SendFigures] / sends)

const jsonBytes = (messages: readonly Message[]): number =>
  messages.reduce((sum, message) => sum + Buffer.byteLength(JSON.stringify(message)), 0)

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** Waits until IndexedDB is idle: nothing more written over a few rounds of commits (y-indexeddb compacts asynchronously). */
const settled = async (storage: WatchedIndexeddbStorage, writes: { readonly writes: number }): Promise<void> => {
  let quiet = 0
  let seen = -1
  while (quiet < 3) {
    await storage.committed()
    await sleep(10)
    quiet = writes.writes === seen ? quiet + 1 : 0
    seen = writes.writes
  }
}

const waitFor = async (what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/**
 * Alice sends `sends` messages to Bob through the relay, stored in IndexedDB, from a history of
 * `seed` (or none). Counted: what her socket sends meanwhile, what y-indexeddb writes and
 * finally holds, what the relay's store is handed and holds, after appends and after compacting.
 */
const parleySends = async (chat: Chat, seed: ChatSeed | null, sends: number, prefix: string): Promise<SendFigures> => {
  const store = new CountingStore(seed?.rooms ?? peopleRooms(chat))
  const relay = await benchRelay(store)
  if (seed) await seedIndexeddb(prefix, seed.rooms)
  const writes = countIndexeddbWrites(prefix)
  const wire: WireCounter = { bytes: 0, frames: 0 }
  // NOTE: y-indexeddb compacts without its 1 s debounce, as in a chat whose messages are more than a second apart.
  const storage = new WatchedIndexeddbStorage(prefix, 0)
  const client = await ParleyClient.open({ identity: chat.alice, network: benchNetwork(relay, chat.alice, countingWebSocket(wire)), storage })
  const conversationRooms = (room: string) => room === chat.room || room.startsWith(`${chat.room}/`)
  try {
    if (!await client.whenSynced(30_000)) throw new Error('the own rooms did not sync')
    const conversation = await client.openDirect(chat.bob.user_id)
    // Bob's profile (a contact's, opened on its own) is in before anything is counted.
    await whenKnown(client, chat.bob.user_id)
    await settled(storage, writes)
    const before = { wire: wire.bytes, written: writes.bytes, stored: (await storedBytes(prefix)).bytes, store: store.bytes(conversationRooms), storeWritten: store.written }
    const sent: Message[] = []
    for (let i = 0; i < sends; i++) sent.push(await conversation.send(contentOf(i)))
    await waitFor('the relay to confirm every message', () => client.undelivered().length === 0 && sent.every(message => !conversation.isPending(message.message_id)))
    await settled(storage, writes)
    const appended = store.bytes(conversationRooms)
    const wireBytes = wire.bytes - before.wire
    for (const room of store.roomNames().filter(conversationRooms)) await store.compact(room)
    return {
      json: jsonBytes(sent),
      wire: wireBytes,
      indexeddbStored: (await storedBytes(prefix)).bytes - before.stored,
      indexeddbWritten: writes.bytes - before.written,
      storeAppended: appended - before.store,
      storeCompacted: store.bytes(conversationRooms) - before.store,
      storeWritten: store.written - before.storeWritten
    }
  } finally {
    await client.close()
    await relay.close()
    writes.stop()
  }
}

/** A y-websocket sync update message as the naive client would send it: type, update type, the update. */
const syncUpdateMessage = (update: Uint8Array): number => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.sync)
  encoding.writeVarUint(encoder, syncProtocol.messageYjsUpdate)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.length(encoder)
}

/**
 * The naive log: Alice's messages pushed onto the one Y.Array, kept by y-indexeddb. Its relay
 * is any append-only store (the stock server's y-leveldb keeps each update, compaction
 * merges), so its store figures are computed from the updates; the wire is one y-websocket
 * sync message per update on a socket for the room.
 */
const naiveSends = async (chat: Chat, seed: ChatSeed | null, sends: number, prefix: string): Promise<SendFigures> => {
  if (seed?.naive) await seedIndexeddb(prefix, new Map([['log', seed.naive]]))
  const writes = countIndexeddbWrites(prefix)
  const storage = new WatchedIndexeddbStorage(prefix, 0, 'y-indexeddb')
  const doc = new Y.Doc()
  const local = storage.persist('log', doc)
  try {
    await local.loaded
    await settled(storage, writes)
    const before = { written: writes.bytes, stored: (await storedBytes(prefix)).bytes }
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => { updates.push(update) })
    const sent: Message[] = []
    for (let i = 0; i < sends; i++) {
      const now = new Date().toISOString()
      sent.push(await naiveSend(doc, chat.alice, { ...unsignedMessage(chat, 1, 0), content: contentOf(i), created_at: now, updated_at: now }))
    }
    await settled(storage, writes)
    const appended = updates.reduce((sum, update) => sum + update.byteLength, 0)
    const history = seed?.naive ?? null
    const merged = Y.mergeUpdates(history ? [history, ...updates] : updates).byteLength - (history?.byteLength ?? 0)
    return {
      json: jsonBytes(sent),
      wire: updates.reduce((sum, update) => {
        const payload = syncUpdateMessage(update)
        return sum + payload + clientFrameHeader(payload)
      }, 0),
      indexeddbStored: (await storedBytes(prefix)).bytes - before.stored,
      indexeddbWritten: writes.bytes - before.written,
      storeAppended: appended,
      storeCompacted: merged,
      storeWritten: appended + merged + (history?.byteLength ?? 0)
    }
  } finally {
    await local.destroy()
    doc.destroy()
    writes.stop()
  }
}

const caseLabel = (history: number, sends: number): string =>
  `${sends.toLocaleString('en')} sends, ${history === 0 ? 'empty history' : `${history / 1000}k history`}`

const sendCases = async (context: BenchContext, history: number, sends: number): Promise<Measurement[]> => {
  const chat = await benchChat()
  const seed = history === 0 ? null : await chatSeed(history)
  return compare(context, sendInfos(caseLabel(history, sends)), ['naive', 'parley'], async (system, repetition) => {
    const prefix = `bench-storage/${history}/${system}/${repetition}/`
    try {
        const totals = system === 'parley' ? await parleySends(chat, seed, sends, prefix) : await naiveSends(chat, seed, sends, prefix)
      return figuresOf(totals, sends)
    } finally {
      await deleteDatabases(prefix)
    }
  })
}

/** What `cycles` opens and closes (open, read the newest page, close; offline) add to IndexedDB. */
const openCloseInfos = (cycles: number): CaseInfo[] => {
  const label = `${cycles} open/close cycles, 1k history`
  return [
    { workload: WORKLOAD, case: label, metric: 'IndexedDB written per open/close', unit: 'B', better: 'lower' },
    { workload: WORKLOAD, case: label, metric: 'IndexedDB growth per open/close', unit: 'B', better: 'lower' },
    { workload: WORKLOAD, case: label, metric: 'IndexedDB entries added per open/close', unit: 'entries', better: 'lower' }
  ]
}

const openCloseCase = async (context: BenchContext, cycles: number): Promise<Measurement[]> => {
  const seed = await chatSeed(1_000)
  return compare(context, openCloseInfos(cycles), ['naive', 'parley'] satisfies ClientSystem[], async (system, repetition) => {
    const prefix = `bench-open-close/${system}/${repetition}/`
    await seedIndexeddb(prefix, system === 'parley' ? seed.rooms : new Map([['log', seed.naive!]]))
    const before = await storedBytes(prefix)
    const writes = countIndexeddbWrites(prefix)
    try {
      for (let cycle = 0; cycle < cycles; cycle++) {
        if (system === 'parley') {
          const client = await ParleyClient.open({ identity: seed.chat.bob, network: offlineNetwork, storage: indexeddbStorage({ prefix }) })
          const conversation = await client.openDirect(seed.chat.alice.user_id)
          await conversation.history({ limit: PAGE })
          await client.close()
        } else {
          const replica = await openNaive(`${prefix}log`)
          await naiveNewest(replica.doc, PAGE, seed.chat.keys)
          await replica.close()
        }
      }
      const after = await storedBytes(prefix)
      return [writes.bytes / cycles, (after.bytes - before.bytes) / cycles, (after.entries - before.entries) / cycles]
    } finally {
      writes.stop()
      await deleteDatabases(prefix)
    }
  })
}

export const storageWorkload: Workload = {
  id: WORKLOAD,
  title: 'Storage: bytes per message on the wire, in IndexedDB and in the relay store; open/close growth',
  async run (context) {
    const measurements: Measurement[] = []
    // NOTE: past 500 sends, so that y-indexeddb compacts at least once (it does every 500 entries).
    const cases = context.quick
      ? [{ history: 10_000, sends: 520 }]
      : [{ history: 0, sends: 1200 }, { history: 10_000, sends: 1200 }]
    let previousMs = 0
    for (const { history, sends } of cases) {
      const started = Date.now()
      if (!fits(context, previousMs)) {
        measurements.push(...sendInfos(caseLabel(history, sends)).flatMap(info => notRun(info, ['naive', 'parley'], "past the workload's time budget")))
        continue
      }
      context.log(`${sends} sends after ${history} messages`)
      measurements.push(...await guarded(context, sendInfos(caseLabel(history, sends)), () => sendCases(context, history, sends)))
      previousMs = Date.now() - started
    }
    context.log('open/close cycles')
    const cycles = context.quick ? 5 : 10
    measurements.push(...await guarded(context, openCloseInfos(cycles), () => openCloseCase(context, cycles)))
    return measurements
  }
}
