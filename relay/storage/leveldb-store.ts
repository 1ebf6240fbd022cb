// The relay's default RoomStore: LevelDB (classic-level) in a data directory, one key per appended update.
import { ClassicLevel } from 'classic-level'
import { compactionOf } from './compaction'
import { explainDamage, inspectDataDirectory, skippedWhileOpening, type DataDirectoryState } from './leveldb-directory'
import { StorageError, type RoomStore } from './store'

/*
 * NOTE: y-leveldb runs every operation through a `_transact` that logs and swallows errors,
 * so a failed write looks like a successful one: the relay would then forward updates it
 * never kept. This store uses the same engine directly and lets every failure surface.
 *
 * Keys: `<room>\u0000<sequence as 12 hex digits>`; a room's updates sort in append order.
 */
const SEPARATOR = '\u0000'
const sequenceKey = (room: string, sequence: number) => room + SEPARATOR + sequence.toString(16).padStart(12, '0')
const roomRange = (room: string) => ({ gt: room + SEPARATOR, lt: room + '\u0001' })
/** Records' keys start with a character no room name holds (assertRoomName), so no room's range reaches them. */
const RECORD = '\u0001'

export class LeveldbStore implements RoomStore {
  /** The compaction running for each room, if any. */
  private readonly compacting = new Map<string, Promise<void>>()
  private readonly db: ClassicLevel<string, Uint8Array>
  /** The next free sequence number of each room touched since opening. */
  private readonly nextSequence = new Map<string, number>()

  private constructor (db: ClassicLevel<string, Uint8Array>, private readonly skipped: readonly string[]) {
    this.db = db
  }

  /**
   * Opens the database in `directory`, or starts one there if it holds none yet; refuses (a
   * StorageError 'corrupt' saying what to do) a database that LevelDB would open by losing data
   * without a word: one whose write-ahead log is damaged, or whose CURRENT file is gone.
   * NOTE: LevelDB's `paranoid_checks`, which would refuse the first of those itself, is not
   * among the options classic-level passes on (nor is `verify_checksums` for reads), so the logs
   * are checked here before LevelDB reads them (leveldb-log.ts). Table files are checked only as
   * LevelDB reads them; a room whose stored updates cannot be read is reported when it loads.
   */
  static async open (directory: string): Promise<LeveldbStore> {
    let found: DataDirectoryState
    try {
      found = await inspectDataDirectory(directory)
    } catch (error) {
      throw new StorageError('read-failed', `cannot open the data directory ${directory}: ${(error as Error).message}`, { cause: error })
    }
    if (found.state === 'damaged') throw new StorageError('corrupt', explainDamage(directory, found))
    // NOTE: created only where there is no database yet: where there is one, a missing file must
    // be an error, never a fresh empty database in its place.
    const db = new ClassicLevel<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: found.state === 'new' })
    try {
      await db.open()
    } catch (error) {
      throw new StorageError('read-failed', `cannot open the data directory ${directory}: ${(error as Error).message}`, { cause: error })
    }
    return new LeveldbStore(db, await skippedWhileOpening(directory))
  }

  skippedOnOpen (): readonly string[] {
    return this.skipped
  }

  async load (room: string): Promise<readonly Uint8Array[]> {
    return (await this.read(room)).map(([, value]) => value)
  }

  async append (room: string, update: Uint8Array): Promise<void> {
    const sequence = await this.takeSequence(room)
    try {
      await this.db.put(sequenceKey(room, sequence), update)
    } catch (error) {
      throw new StorageError('write-failed', `cannot write to room ${room}: ${(error as Error).message}`, { cause: error })
    }
  }

  /** Compacts `room`; a compaction asked for while one of the same room runs joins it (else both would store the state). */
  compact (room: string): Promise<void> {
    let running = this.compacting.get(room)
    if (!running) {
      running = this.compactNow(room).finally(() => this.compacting.delete(room))
      this.compacting.set(room, running)
    }
    return running
  }

  private async compactNow (room: string): Promise<void> {
    const updates = await this.read(room)
    const compacted = await compactionOf(room, updates.map(([, value]) => value))
    if (compacted === null) return
    const sequence = await this.takeSequence(room)
    // One atomic batch: a crash leaves either the old updates or their compaction, never neither.
    try {
      await this.db.batch([
        { type: 'put', key: sequenceKey(room, sequence), value: compacted },
        ...updates.map(([key]) => ({ type: 'del' as const, key }))
      ])
    } catch (error) {
      throw new StorageError('write-failed', `cannot compact room ${room}: ${(error as Error).message}`, { cause: error })
    }
  }

  async readRecords (prefix: string): Promise<ReadonlyMap<string, Uint8Array>> {
    try {
      const entries = await this.db.iterator({ gte: RECORD + prefix, lt: RECORD + prefix + '\uffff' }).all()
      return new Map(entries.map(([key, value]) => [key.slice(RECORD.length), value]))
    } catch (error) {
      throw new StorageError('read-failed', `cannot read records ${prefix}: ${(error as Error).message}`, { cause: error })
    }
  }

  async writeRecords (records: ReadonlyMap<string, Uint8Array | null>): Promise<void> {
    try {
      await this.db.batch([...records].map(([key, value]) => value === null
        ? { type: 'del' as const, key: RECORD + key }
        : { type: 'put' as const, key: RECORD + key, value }))
    } catch (error) {
      throw new StorageError('write-failed', `cannot write records: ${(error as Error).message}`, { cause: error })
    }
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  private async read (room: string): Promise<Array<[string, Uint8Array]>> {
    assertRoomName(room)
    try {
      return await this.db.iterator(roomRange(room)).all()
    } catch (error) {
      throw new StorageError('read-failed', `cannot read room ${room}: ${(error as Error).message}`, { cause: error })
    }
  }

  /** Hands out sequence numbers in order, reading a room's last key only the first time. */
  private async takeSequence (room: string): Promise<number> {
    assertRoomName(room)
    if (!this.nextSequence.has(room)) {
      const next = await this.lastSequence(room)
      // Another caller may have read it while this one waited: the first one's count stands.
      if (!this.nextSequence.has(room)) this.nextSequence.set(room, next)
    }
    const sequence = this.nextSequence.get(room)!
    this.nextSequence.set(room, sequence + 1)
    return sequence
  }

  private async lastSequence (room: string): Promise<number> {
    let last: string | undefined
    try {
      [last] = await this.db.keys({ ...roomRange(room), reverse: true, limit: 1 }).all()
    } catch (error) {
      throw new StorageError('read-failed', `cannot read room ${room}: ${(error as Error).message}`, { cause: error })
    }
    return last === undefined ? 0 : parseInt(last.slice(room.length + 1), 16) + 1
  }
}

const assertRoomName = (room: string): void => {
  if (room.length === 0 || room.includes(SEPARATOR) || room.includes('\u0001')) {
    throw new StorageError('write-failed', 'a room name may not be empty or hold control characters')
  }
}
