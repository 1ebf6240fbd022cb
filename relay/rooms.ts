// The rooms a relay holds in memory: loaded on first use, flushed and unloaded once idle.
import type { Logger } from './log'
import { Room, type Peer, type RoomOptions } from './room'
import type { RoomStore } from './storage/store'
import { clientOwnersKey } from './writes/client-owners'
import { DEFAULT_LIMITS, type RelayLimits } from './limits/limits'
import type { UsageLedger } from './writes/usage-ledger'

export interface RoomRegistryOptions {
  store: RoomStore
  log: Logger
  /** How long a room with no peers stays loaded (a quick reconnect then costs no reload). */
  idleUnloadMs: number
  /**
   * How long a loaded room keeps its document after its last write or sync, peers or not
   * (default 10 s): an idle group whose members stay connected then costs no Y.Doc.
   */
  docRestMs?: number
  /** Told when a write fails: the room has been dropped and its peers must go. */
  onStorageFailure: (room: Room, error: Error) => void
  /** Told when a room's stored updates cannot be read. */
  onLoadFailure?: (room: Room, error: Error) => void
  /** Told when some of a room's stored updates could not be applied and were left out. */
  onLoadSkipped?: (room: Room, what: string) => void
  /** Told each time a room takes a new document (loaded, woken, rebuilt after a refusal), before anyone reads it. */
  onDocument?: (room: Room) => void
  /** Told after a peer's update has been applied to a room. */
  onPeerUpdate?: (room: Room, peer: Peer) => void
  limits?: Pick<RelayLimits, 'maxMessageLength' | 'maxPendingUpdates' | 'awarenessPerRoom' | 'presenceTimeoutMs' | 'maxBytesPerUserPerRoom' | 'maxStructsPerUpdate' | 'maxBytesPerUser'>
  /** What each user holds over all rooms (for the quota per user). */
  ledger?: UsageLedger
}

/** How long a room's document stays in memory after its last write or sync, by default. */
export const DEFAULT_DOC_REST_MS = 10_000

interface Entry {
  room: Promise<Room>
  /** The room once loaded. */
  loaded: Room | null
  idleTimer: NodeJS.Timeout | null
  /** Joins still loading or waking the room: it must not unload under them. */
  joining: number
}

export class RoomRegistry {
  private readonly entries = new Map<string, Entry>()
  private closing = false
  /** Puts idle rooms' documents to rest; one timer for every room. */
  private readonly restSweep: NodeJS.Timeout

  private readonly roomOptions: RoomOptions

  constructor (private readonly options: RoomRegistryOptions) {
    this.roomOptions = {
      store: options.store,
      onStorageFailure: this.storageFailed,
      onLoadFailure: options.onLoadFailure,
      onLoadSkipped: options.onLoadSkipped,
      onPeerUpdate: options.onPeerUpdate,
      onDocument: options.onDocument,
      maxMessageLength: options.limits?.maxMessageLength ?? DEFAULT_LIMITS.maxMessageLength,
      maxPendingUpdates: options.limits?.maxPendingUpdates ?? DEFAULT_LIMITS.maxPendingUpdates,
      awarenessPerRoom: options.limits?.awarenessPerRoom ?? DEFAULT_LIMITS.awarenessPerRoom,
      presenceTimeoutMs: options.limits?.presenceTimeoutMs ?? DEFAULT_LIMITS.presenceTimeoutMs,
      maxBytesPerUserPerRoom: options.limits?.maxBytesPerUserPerRoom ?? DEFAULT_LIMITS.maxBytesPerUserPerRoom,
      maxStructsPerUpdate: options.limits?.maxStructsPerUpdate ?? DEFAULT_LIMITS.maxStructsPerUpdate,
      ledger: options.ledger,
      maxBytesPerUser: options.limits?.maxBytesPerUser ?? DEFAULT_LIMITS.maxBytesPerUser
    }
    const restMs = options.docRestMs ?? DEFAULT_DOC_REST_MS
    // NOTE: a sweep twice per rest period: a document rests between one and one and a half periods after its last use.
    this.restSweep = setInterval(() => this.restIdleDocuments(restMs), restMs / 2)
    this.restSweep.unref()
  }

  /** Rooms whose document is in memory now (the others are loaded but resting). */
  get documents (): number {
    let awake = 0
    for (const entry of this.entries.values()) if (entry.loaded && !entry.loaded.resting) awake += 1
    return awake
  }

  private restIdleDocuments (restMs: number): void {
    const before = performance.now() - restMs
    for (const entry of this.entries.values()) {
      const room = entry.loaded
      if (room && room.lastUsed <= before) room.rest()
    }
  }

  /** Rooms currently in memory. */
  get size (): number { return this.entries.size }

  /** The peers of a room if it is loaded now. */
  peersOf (name: string): ReadonlySet<Peer> {
    return this.entries.get(name)?.loaded?.peers ?? new Set()
  }

  /** Loads the room if needed (once, however many peers ask at the same time) and joins the peer. */
  async join (name: string, peer: Peer): Promise<Room> {
    if (this.closing) throw new Error('the relay is shutting down')
    let entry = this.entries.get(name)
    if (!entry) {
      const created: Entry = { room: Promise.resolve(null as never), loaded: null, idleTimer: null, joining: 0 }
      created.room = Room.load(name, this.roomOptions).then(loaded => {
        created.loaded = loaded
        return loaded
      })
      entry = created
      this.entries.set(name, entry)
      const loading = entry
      entry.room.catch(() => { if (this.entries.get(name) === loading) this.entries.delete(name) })
    }
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer)
      entry.idleTimer = null
    }
    entry.joining += 1
    let room: Room
    try {
      room = await entry.room
      try {
        await room.wake()
      } catch (error) {
        // NOTE: this join stopped the room's unload; a room left with nobody in it must still go.
        this.unloadWhenIdle(room)
        throw error
      }
    } finally {
      entry.joining -= 1
    }
    room.join(peer)
    return room
  }

  /**
   * Runs `use` on the room's document, loading the room for that long if nobody holds it: how the
   * relay reads and writes rooms of its own accord (access checks, announcements, conversions).
   */
  async withRoom<T> (name: string, use: (room: Room) => T | Promise<T>): Promise<T> {
    const reader: Peer = { send: () => {}, awarenessClients: new Set(), user_id: '', revoke: () => {} }
    const room = await this.join(name, reader)
    try {
      return await use(room)
    } finally {
      this.leave(room, reader)
    }
  }

  /** Resolves once every room in memory has stored what it holds. */
  async flushAll (): Promise<void> {
    for (const entry of [...this.entries.values()]) await entry.loaded?.whenWritten()
  }

  leave (room: Room, peer: Peer): void {
    room.leave(peer)
    this.unloadWhenIdle(room)
  }

  /** Unloads the room after `idleUnloadMs` if nobody is in it by then. */
  private unloadWhenIdle (room: Room): void {
    const entry = this.entries.get(room.name)
    if (room.peers.size > 0 || entry?.loaded !== room || this.closing) return
    entry.idleTimer ??= setTimeout(() => { void this.unloadIfIdle(room, entry) }, this.options.idleUnloadMs)
  }

  /**
   * Writes out and unloads an idle room. NOTE: a peer may join while this runs; it joins the
   * loaded room, which stays (also while the join is still waking it), and since the store only
   * appends, no write here can undo its updates.
   */
  private async unloadIfIdle (room: Room, entry: Entry): Promise<void> {
    entry.idleTimer = null
    await room.whenWritten()
    if (!room.failed) {
      try {
        await this.options.store.compact(room.name)
        await this.options.store.compact(clientOwnersKey(room.name))
      } catch (error) {
        this.options.log.warn('compaction-failed', { room: room.name, error: (error as Error).message })
      }
    }
    if (room.peers.size === 0 && entry.joining === 0 && this.entries.get(room.name) === entry && !entry.idleTimer) {
      this.entries.delete(room.name)
      room.destroy()
    }
  }

  private readonly storageFailed = (room: Room, error: Error): void => {
    this.options.log.error('storage-write-failed', { room: room.name, error: error.message })
    // Forget the in-memory state: the next client reloads what the store really holds, and
    // clients re-send what it lacks during their sync.
    const entry = this.entries.get(room.name)
    if (entry) {
      if (entry.idleTimer) clearTimeout(entry.idleTimer)
      this.entries.delete(room.name)
    }
    this.options.onStorageFailure(room, error)
    room.destroy()
  }

  /** Stops loading rooms, writes everything out and unloads every room. */
  async close (): Promise<void> {
    this.closing = true
    clearInterval(this.restSweep)
    const rooms = await Promise.allSettled([...this.entries.values()].map(entry => {
      if (entry.idleTimer) clearTimeout(entry.idleTimer)
      return entry.room
    }))
    for (const result of rooms) {
      if (result.status !== 'fulfilled') continue
      const room = result.value
      await room.whenWritten()
      if (!room.failed) {
        await this.options.store.compact(room.name).catch(() => {})
        await this.options.store.compact(clientOwnersKey(room.name)).catch(() => {})
      }
      room.destroy()
    }
    this.entries.clear()
  }
}
