// The relay's storage seam: every implementation passes the suite in conformance.ts.

/**
 * Keeps each room's Yjs updates. Rooms are only ever appended to, so a write can never
 * overwrite history that another client just added.
 */
export interface RoomStore {
  /**
   * Every update stored for the room, oldest first (none when nothing is stored): applied in
   * order to one Y.Doc (apply-stored.ts), they give the room's state. NOTE: not
   * merged into one first, which would decode the whole room twice (2–3× the time of a load).
   */
  load(room: string): Promise<readonly Uint8Array[]>
  /** Appends an update; once resolved it survives the relay process being killed. */
  append(room: string, update: Uint8Array): Promise<void>
  /**
   * Replaces the room's stored updates by their garbage-collected state when that pays
   * (compaction.ts: they hold enough dead values, or too many updates); updates appended meanwhile are kept.
   */
  compact(room: string): Promise<void>
  /**
   * Every record of the relay's own (small values replaced whole, such as what each user stores)
   * whose key starts with `prefix`. Records live apart from rooms: no room name reaches them.
   */
  readRecords(prefix: string): Promise<ReadonlyMap<string, Uint8Array>>
  /** Replaces records (null deletes one), all at once; once resolved they survive the relay process being killed. */
  writeRecords(records: ReadonlyMap<string, Uint8Array | null>): Promise<void>
  /** Releases the store; pending writes finish first. */
  close(): Promise<void>
  /**
   * What the store had to leave out while opening (records its engine dropped when it
   * recovered), in words for the operator; absent for stores that cannot lose anything so.
   */
  skippedOnOpen?(): readonly string[]
}

/** Why a store failed; 'timeout': a compaction did not finish in time (the room stays as stored). */
export type StorageFailureReason = 'closed' | 'write-failed' | 'read-failed' | 'corrupt' | 'timeout'

export class StorageError extends Error {
  constructor (readonly reason: StorageFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageError'
  }
}
