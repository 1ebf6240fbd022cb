// What each user stores over all rooms: kept in memory, written to the relay's store as one record per user, for the quota per user.
import type { RoomStore } from '../storage/store'

const PREFIX = 'usage/'
/** How often changed totals are written out. */
const FLUSH_MS = 5000

/**
 * Bytes each user holds live over every room of the relay, moved by each accepted update
 * (storage-quota.ts says by how much). NOTE: a running total, not a count of what the rooms
 * hold: rooms written before the ledger existed count from then on, and a relay killed between
 * two flushes forgets the last few seconds of growth, in the writer's favour. Rooms hold the
 * exact figure per room (RoomUsage); this total only has to stop someone filling thousands of
 * rooms, which a running total does.
 */
export class UsageLedger {
  private readonly dirty = new Set<string>()
  private readonly timer: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()

  private constructor (
    private readonly store: RoomStore,
    private readonly bytes: Map<string, number>,
    flushMs: number
  ) {
    this.timer = setInterval(() => { void this.flush().catch(() => {}) }, flushMs)
    this.timer.unref()
  }

  static async open (store: RoomStore, { flushMs = FLUSH_MS }: { flushMs?: number } = {}): Promise<UsageLedger> {
    const bytes = new Map<string, number>()
    for (const [key, value] of await store.readRecords(PREFIX)) {
      const total = Number(new TextDecoder().decode(value))
      // A record that does not read as a count counts as nothing: the quota errs in the user's favour.
      if (Number.isSafeInteger(total) && total > 0) bytes.set(key.slice(PREFIX.length), total)
    }
    return new UsageLedger(store, bytes, flushMs)
  }

  bytesOf (user_id: string): number { return this.bytes.get(user_id) ?? 0 }

  /** Moves each user's total by its delta ('' stands for ids nobody owns, and is not kept). */
  apply (deltas: ReadonlyMap<string, number>): void {
    for (const [user_id, delta] of deltas) {
      if (user_id === '' || delta === 0) continue
      const total = Math.max(0, this.bytesOf(user_id) + delta)
      if (total > 0) this.bytes.set(user_id, total)
      else this.bytes.delete(user_id)
      this.dirty.add(user_id)
    }
  }

  /** Writes the totals changed since the last flush; one flush at a time, in order. */
  flush (): Promise<void> {
    if (this.dirty.size === 0) return this.writing
    const records = new Map<string, Uint8Array | null>()
    for (const user_id of this.dirty) {
      const total = this.bytesOf(user_id)
      records.set(PREFIX + user_id, total > 0 ? new TextEncoder().encode(String(total)) : null)
    }
    const users = [...this.dirty]
    this.dirty.clear()
    this.writing = this.writing.catch(() => {}).then(() => this.store.writeRecords(records)).catch(error => {
      // Tried again at the next flush.
      for (const user_id of users) this.dirty.add(user_id)
      throw error
    })
    return this.writing
  }

  /** Writes what is left and stops the timer (the store stays open). */
  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}
