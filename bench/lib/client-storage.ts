// Local storage for the client benchmarks: IndexedDB seeded the way y-indexeddb stores, a storage that can tell when its writes are committed, and byte counts.
import * as Y from 'yjs'
import * as idb from 'lib0/indexeddb'
import { IndexeddbPersistence } from 'y-indexeddb'
import { IndexeddbCopy } from '../../client/storage/indexeddb-copy'
import type { LocalCopy, Storage } from '../../client/transport'
import { STORAGE_ORIGIN } from '../../shared/origin'

/** y-indexeddb's object stores, as it creates them. */
const UPDATES = 'updates'
const openStores = (name: string): Promise<IDBDatabase> =>
  idb.openDB(name, db => idb.createStores(db, [[UPDATES, { autoIncrement: true }], ['custom']]))

/**
 * Stores each room's update as one entry in `prefix + room`: exactly what y-indexeddb leaves
 * after it has compacted a document (and what it reads on open), without a Y.Doc per room.
 */
export const seedIndexeddb = async (prefix: string, rooms: ReadonlyMap<string, Uint8Array>): Promise<void> => {
  for (const [room, update] of rooms) {
    const db = await openStores(prefix + room)
    const [updates] = idb.transact(db, [UPDATES])
    await idb.rtop(updates!.add(update))
    db.close()
  }
}

/** Databases whose name starts with `prefix`. */
export const databasesUnder = async (prefix: string): Promise<string[]> =>
  (await indexedDB.databases()).map(info => info.name ?? '').filter(name => name.startsWith(prefix))

export const deleteDatabases = async (prefix: string): Promise<void> => {
  for (const name of await databasesUnder(prefix)) await idb.deleteDB(name)
}

/** What y-indexeddb holds under `prefix`: stored update bytes and entries. */
export const storedBytes = async (prefix: string): Promise<{ bytes: number; entries: number }> => {
  let bytes = 0
  let entries = 0
  for (const name of await databasesUnder(prefix)) {
    const db = await openStores(name)
    const [updates] = idb.transact(db, [UPDATES], 'readonly')
    for (const value of await idb.getAll(updates!)) {
      bytes += (value as Uint8Array).byteLength
      entries += 1
    }
    db.close()
  }
  return { bytes, entries }
}

/**
 * Counts the bytes y-indexeddb writes (every add and put into an `updates` store of a
 * database under `prefix`) until `stop()`. NOTE: wraps the global IDBObjectStore's methods,
 * the one place every write passes; `stop()` puts them back.
 */
export const countIndexeddbWrites = (prefix: string): { readonly bytes: number; readonly writes: number; stop(): void } => {
  const proto = globalThis.IDBObjectStore.prototype
  const { add, put } = proto
  const counter = { bytes: 0, writes: 0, stop: () => { proto.add = add; proto.put = put } }
  const counted = (original: typeof add): typeof add => function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === UPDATES && this.transaction.db.name.startsWith(prefix) && value instanceof Uint8Array) {
      counter.bytes += value.byteLength
      counter.writes += 1
    }
    return original.call(this, value, key)
  }
  proto.add = counted(add)
  proto.put = counted(put)
  return counter
}

/** What keeps a document in IndexedDB: Parley's IndexeddbCopy, or y-indexeddb itself (the naive layout's). */
export type IndexeddbKeeper = 'parley' | 'y-indexeddb'

interface OpenCopy {
  /** Its database's name. */
  readonly name: string
  readonly loaded: Promise<void>
  destroy(): Promise<void>
}

const keep = (keeper: IndexeddbKeeper, name: string, doc: Y.Doc, delayMs: number | undefined): OpenCopy => {
  if (keeper === 'parley') {
    const copy = new IndexeddbCopy(name, doc, delayMs)
    return { name, loaded: copy.loaded, destroy: () => copy.destroy() }
  }
  const persistence = new IndexeddbPersistence(name, doc)
  if (delayMs !== undefined) (persistence as unknown as { _storeTimeout: number })._storeTimeout = delayMs
  return { name, loaded: persistence.whenSynced.then(() => {}), destroy: () => persistence.destroy() }
}

/**
 * Storage in IndexedDB exactly as indexeddbStorage makes it (an IndexeddbCopy per room under
 * `prefix`), or as y-indexeddb does for the naive layout, keeping hold of each copy so that the
 * benchmark can wait for what it wrote to be committed.
 */
export class WatchedIndexeddbStorage implements Storage {
  private readonly open = new Set<OpenCopy>()

  /**
   * `delayMs` replaces the 1 s wait after the last write before a database is considered for
   * rewriting (y-indexeddb's and Parley's alike). NOTE: 0 stands for a chat whose messages are
   * more than a second apart, where the wait never postpones a rewrite; a benchmark sending
   * back to back would otherwise only ever rewrite after its last message.
   */
  constructor (readonly prefix: string, private readonly delayMs?: number, private readonly keeper: IndexeddbKeeper = 'parley') {}

  persist (room: string, doc: Y.Doc): LocalCopy {
    const persistence = keep(this.keeper, this.prefix + room, doc, this.delayMs)
    this.open.add(persistence)
    return {
      loaded: persistence.loaded,
      // Benchmarks never see a refusal, so never rebuild a room.
      replace: () => Promise.reject(new Error('a benchmark storage does not replace rooms')),
      destroy: async () => {
        this.open.delete(persistence)
        await persistence.destroy()
      }
    }
  }

  /**
   * Resolves once every write issued so far to an open database is committed, with the number
   * of entries each then holds. NOTE: IndexedDB runs a database's transactions on overlapping
   * stores in the order they were created, over all its connections, so a read-only one created
   * now, on a connection of its own, ends after every write before it; and its count re-reads
   * the store, which tests use to check that the writes are there. Only once a copy is loaded:
   * opening its database first would create it without its stores.
   */
  async committed (): Promise<number[]> {
    return Promise.all([...this.open].map(async copy => {
      await copy.loaded
      const db = await idb.openDB(copy.name, () => {})
      try {
        const [updates] = idb.transact(db, [UPDATES], 'readonly')
        return await idb.count(updates!)
      } finally {
        db.close()
      }
    }))
  }
}

/** Memory storage whose rooms start from a seed (as if loaded from a device): what `memoryStorage` is, with a history. */
export const seededMemoryStorage = (rooms: ReadonlyMap<string, Uint8Array>): Storage => ({
  persist: (room, doc) => {
    const seed = rooms.get(room)
    if (seed) Y.applyUpdate(doc, seed, STORAGE_ORIGIN)
    return { loaded: Promise.resolve(), replace: async () => {}, destroy: async () => {} }
  }
})
