// One Y.Doc kept in IndexedDB, laid out as y-indexeddb lays it out (databases either wrote load in both), rewritten only when that pays.
import * as idb from 'lib0/indexeddb'
import * as Y from 'yjs'
import { GARBAGE_ALLOWED, rewritePays } from '../../shared/compaction-policy'
import { STORAGE_ORIGIN } from '../../shared/origin'
import { holdsAnything } from '../../shared/yjs-internals'

/** y-indexeddb's stores: the document's updates (auto-incremented keys) and its unused `custom`. */
const UPDATES = 'updates'
const openStores = (name: string): Promise<IDBDatabase> =>
  idb.openDB(name, db => idb.createStores(db, [[UPDATES, { autoIncrement: true }], ['custom']]))
/** Adds an update under the next key. NOTE: lib0's types leave out typed arrays, which IndexedDB stores as they are. */
const addUpdate = (updates: IDBObjectStore, update: Uint8Array): Promise<number> =>
  idb.addAutoKey(updates, update as unknown as ArrayBuffer) as Promise<number>

/** Whether a transaction changed the document (Yjs's own test before it emits 'update'). */
const changes = (transaction: Y.Transaction): boolean => {
  if (transaction.deleteSet.clients.size > 0) return true
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true
  return false
}

/**
 * Bytes appended after which a rewrite is considered, at least. NOTE: considering costs an
 * encoding of the whole document; past this floor it is considered once the appends reach
 * GARBAGE_ALLOWED of the state last seen, so a large document is encoded about as often as
 * y-indexeddb did (every 500 updates) and a small one, which is cheap to encode, more often.
 */
const MIN_BYTES_BEFORE_CHECK = 16 * 1024

/*
 * NOTE: y-indexeddb rewrites a document as one update after every 500 stored updates, and adds
 * its state on every open: a bucket of 1,000 messages is written out 2.5 times over. This copy
 * appends each update, as it does, but rewrites only when the stored updates hold enough dead
 * values (compaction-policy.ts), and adds nothing on open unless the document already held
 * changes of its own.
 */
export class IndexeddbCopy {
  /** Resolves once the stored updates are in the document. */
  readonly loaded: Promise<void>
  private database: IDBDatabase | null = null
  private destroyed = false
  /** The first key not yet read into the document, and the bytes stored below it. */
  private nextKey = 0
  private bytesBelow = 0
  private updatesBelow = 0
  private appendedSinceCheck = 0
  private lastStateBytes = 0
  private checkTimer: ReturnType<typeof setTimeout> | null = null
  private checking: Promise<void> | null = null

  /**
   * `checkDelayMs`: how long after the last append a rewrite is considered (y-indexeddb waits
   * 1 s too), so that a burst of writes is not slowed down by encodings.
   */
  constructor (readonly name: string, private followed: Y.Doc, private readonly checkDelayMs = 1000) {
    followed.on('update', this.append)
    this.loaded = openStores(name).then(database => this.load(database))
  }

  /** The document kept here (another one after `replace`). */
  get doc (): Y.Doc { return this.followed }

  private async load (database: IDBDatabase): Promise<void> {
    if (this.destroyed) {
      database.close()
      return
    }
    this.database = database
    try {
      const [updates] = idb.transact(database, [UPDATES])
      // What the document held before the database opened was not appended (see `append`).
      const before = holdsAnything(this.doc) ? Y.encodeStateAsUpdate(this.doc) : null
      if (before) await addUpdate(updates!, before)
      const entries = await this.readEntries(updates!)
      this.applyUnheard(entries)
      this.noteRead(entries)
    } catch (error) {
      // NOTE: a database that could not be read is left as it is: nothing more is appended to it
      // or rewritten in it, so that what it holds stays for a repair.
      this.doc.off('update', this.append)
      this.database = null
      database.close()
      throw error
    }
  }

  /** Reads into the document what was stored from `nextKey` on (by this copy, or another tab's). */
  private async readNew (updates: IDBObjectStore): Promise<void> {
    const entries = await this.readEntries(updates)
    Y.transact(this.doc, () => {
      for (const { v } of entries) Y.applyUpdate(this.doc, v)
    }, STORAGE_ORIGIN, false)
    this.noteRead(entries)
  }

  private readEntries (updates: IDBObjectStore): Promise<Array<{ k: number; v: Uint8Array }>> {
    return idb.getAllKeysValues(updates, idb.createIDBKeyRangeLowerBound(this.nextKey, false)) as Promise<Array<{ k: number; v: Uint8Array }>>
  }

  /**
   * Applies what was stored (on open) with this copy's own listener off. NOTE: Yjs encodes a
   * transaction's update again whenever 'update' has listeners: for a stored bucket (~400 KB,
   * 1,000 messages) that was a third of opening it in Chromium, only for `append` to drop it as
   * STORAGE_ORIGIN. With nobody else listening yet (Replica.open connects the relay link once
   * loaded), nothing is encoded. Anything someone else writes meanwhile (an observer writing
   * back) is appended as the whole state instead, which is always safe.
   */
  private applyUnheard (entries: ReadonlyArray<{ v: Uint8Array }>): void {
    let ours: Y.Transaction | null = null
    let othersWrote = false
    const watch = (transaction: Y.Transaction) => {
      if (transaction !== ours && changes(transaction)) othersWrote = true
    }
    this.doc.off('update', this.append)
    this.doc.on('afterTransaction', watch)
    try {
      Y.transact(this.doc, transaction => {
        ours = transaction
        for (const { v } of entries) Y.applyUpdate(this.doc, v)
      }, STORAGE_ORIGIN, false)
    } finally {
      this.doc.off('afterTransaction', watch)
      if (!this.destroyed) this.doc.on('update', this.append)
    }
    if (othersWrote) this.append(Y.encodeStateAsUpdate(this.doc), null)
  }

  /** Moves past what was read: the next key to read, and what is stored below it. */
  private noteRead (entries: ReadonlyArray<{ k: number; v: Uint8Array }>): void {
    for (const { k, v } of entries) {
      this.bytesBelow += v.byteLength
      this.updatesBelow += 1
      this.nextKey = k + 1
    }
  }

  private readonly append = (update: Uint8Array, origin: unknown): void => {
    if (origin === STORAGE_ORIGIN || this.database === null || this.destroyed) return
    const [updates] = idb.transact(this.database, [UPDATES])
    void addUpdate(updates!, update)
    this.appendedSinceCheck += update.byteLength
    if (this.appendedSinceCheck >= Math.max(MIN_BYTES_BEFORE_CHECK, this.lastStateBytes * GARBAGE_ALLOWED)) this.scheduleCheck()
  }

  private scheduleCheck (): void {
    if (this.checkTimer !== null) clearTimeout(this.checkTimer)
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null
      this.checking ??= this.rewriteIfItPays().finally(() => { this.checking = null })
    }, this.checkDelayMs)
  }

  /**
   * In one transaction: reads what was appended since (so nothing another tab wrote is lost),
   * then, if it pays, stores the document's state and deletes every update it replaces.
   */
  private async rewriteIfItPays (): Promise<void> {
    if (this.database === null || this.destroyed) return
    this.appendedSinceCheck = 0
    const [updates] = idb.transact(this.database, [UPDATES])
    await this.readNew(updates!)
    const state = Y.encodeStateAsUpdate(this.doc)
    this.lastStateBytes = state.byteLength
    if (!rewritePays({ storedBytes: this.bytesBelow, storedUpdates: this.updatesBelow, stateBytes: state.byteLength })) return
    const key = await addUpdate(updates!, state)
    await idb.del(updates!, idb.createIDBKeyRangeUpperBound(key, true))
    this.nextKey = key + 1
    this.bytesBelow = state.byteLength
    this.updatesBelow = 1
  }

  /**
   * Keeps `doc` from now on instead: stores its state and deletes every update below it, in one
   * transaction. NOTE: another tab holding the room keeps its own doc, and its next rewrite
   * stores that doc's state again; whatever the relay refused in it is refused again on its
   * next sync, and that tab rebuilds the room in turn. Nothing is lost or torn meanwhile.
   */
  async replace (doc: Y.Doc): Promise<void> {
    this.followed.off('update', this.append)
    this.followed = doc
    if (!this.destroyed) doc.on('update', this.append)
    await this.loaded
    if (this.checkTimer !== null) clearTimeout(this.checkTimer)
    this.checkTimer = null
    await this.checking
    if (this.database === null || this.destroyed) return
    const [updates] = idb.transact(this.database, [UPDATES])
    const state = Y.encodeStateAsUpdate(doc)
    const key = await addUpdate(updates!, state)
    await idb.del(updates!, idb.createIDBKeyRangeUpperBound(key, true))
    this.nextKey = key + 1
    this.bytesBelow = state.byteLength
    this.updatesBelow = 1
    this.appendedSinceCheck = 0
    this.lastStateBytes = state.byteLength
  }

  async destroy (): Promise<void> {
    this.destroyed = true
    if (this.checkTimer !== null) clearTimeout(this.checkTimer)
    this.doc.off('update', this.append)
    await this.checking
    await this.loaded.catch(() => {})
    this.database?.close()
  }
}
