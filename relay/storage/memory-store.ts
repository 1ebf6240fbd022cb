// A RoomStore in memory: for tests and for running a throwaway relay (--memory).
import { compactionOf } from './compaction'
import { StorageError, type RoomStore } from './store'

export class MemoryStore implements RoomStore {
  private readonly rooms = new Map<string, Uint8Array[]>()
  private readonly records = new Map<string, Uint8Array>()
  private closed = false

  /** Starts with each room of `seed` holding its update as one stored update. */
  constructor (seed: ReadonlyMap<string, Uint8Array> = new Map()) {
    for (const [room, update] of seed) this.rooms.set(room, [update])
  }

  async load (room: string): Promise<readonly Uint8Array[]> {
    this.assertOpen()
    return [...this.rooms.get(room) ?? []]
  }

  async append (room: string, update: Uint8Array): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room) ?? []
    updates.push(update.slice())
    this.rooms.set(room, updates)
  }

  async compact (room: string): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room)
    if (!updates) return
    const compacting = updates.length
    const compacted = await compactionOf(room, updates.slice(0, compacting))
    // Updates appended meanwhile (into the same array) stay; a compaction that finished meanwhile wins.
    if (!compacted || this.rooms.get(room) !== updates) return
    this.rooms.set(room, [compacted, ...updates.slice(compacting)])
  }

  async readRecords (prefix: string): Promise<ReadonlyMap<string, Uint8Array>> {
    this.assertOpen()
    return new Map([...this.records].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key, value.slice()]))
  }

  async writeRecords (records: ReadonlyMap<string, Uint8Array | null>): Promise<void> {
    this.assertOpen()
    for (const [key, value] of records) {
      if (value === null) this.records.delete(key)
      else this.records.set(key, value.slice())
    }
  }

  async close (): Promise<void> { this.closed = true }

  /** Bytes stored for the rooms `which` selects (for measuring, e.g. the benchmarks). */
  storedBytes (which: (room: string) => boolean = () => true): number {
    let bytes = 0
    for (const [room, updates] of this.rooms) if (which(room)) for (const update of updates) bytes += update.byteLength
    return bytes
  }

  roomNames (): string[] { return [...this.rooms.keys()] }

  private assertOpen (): void {
    if (this.closed) throw new StorageError('closed', 'the store is closed')
  }
}
