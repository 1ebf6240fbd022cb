// The order of a conversation's history and how it is cut into pages.
import type { Message } from '../../shared/model'

/** A message and the bucket it is stored in. */
export interface Placed {
  readonly bucket: number
  readonly message: Message
}

/** A position in the history: pass a page's cursor back as `before` to get the next older page. */
export interface Cursor {
  readonly bucket: number
  readonly created_at: string
  readonly message_id: string
}

/** Time order: by created_at, ties (equal clocks) broken by message_id, the same on every client. */
export const compareMessages = (
  a: Pick<Message, 'created_at' | 'message_id'>,
  b: Pick<Message, 'created_at' | 'message_id'>
): number =>
  a.created_at < b.created_at ? -1
    : a.created_at > b.created_at ? 1
      : a.message_id < b.message_id ? -1
        : a.message_id > b.message_id ? 1 : 0

/**
 * History order: bucket first, then time. NOTE: bucket-major, so that a page walk is exact
 * without loading every bucket: a message that landed in an older bucket (written offline,
 * or by a fast clock) shows among that bucket's messages instead of being skipped by paging.
 */
export const compareCursors = (a: Cursor, b: Cursor): number => a.bucket - b.bucket || compareMessages(a, b)

export const cursorOf = ({ bucket, message }: Placed): Cursor =>
  ({ bucket, created_at: message.created_at, message_id: message.message_id })

export const comparePlaced = (a: Placed, b: Placed): number => a.bucket - b.bucket || compareMessages(a.message, b.message)

/** Index of the first entry not older than the cursor, in an oldest-first array. */
const firstNotBefore = (ascending: readonly Placed[], cursor: Cursor): number => {
  let low = 0
  let high = ascending.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const entry = ascending[middle]!
    if ((entry.bucket - cursor.bucket || compareMessages(entry.message, cursor)) < 0) low = middle + 1
    else high = middle
  }
  return low
}

/** Up to `limit` entries older than `before` (all if absent), newest first. */
export const newestBefore = (
  ascending: readonly Placed[],
  limit: number,
  before?: Cursor
): { entries: Placed[]; olderRemain: boolean } => {
  const end = before === undefined ? ascending.length : firstNotBefore(ascending, before)
  const start = Math.max(0, end - limit)
  return { entries: ascending.slice(start, end).reverse(), olderRemain: start > 0 }
}

/** The first entry of bucket `floor` or later, in an oldest-first array. */
const firstOfBucket = (ascending: readonly Placed[], floor: number): number =>
  firstNotBefore(ascending, { bucket: floor, created_at: '', message_id: '' })

/** Whether an entry may be shown: yes (with the version to show), not until checked, or never. */
export type Admission = Message | 'unchecked' | 'hidden'

/**
 * Up to `limit` entries of bucket `floor` and up, older than `before`, newest first, counting
 * those not checked yet as candidates: when `unchecked` is not empty, check those and ask again.
 */
export const newestAdmitted = (
  ascending: readonly Placed[],
  limit: number,
  { before, floor, admit }: { before?: Cursor; floor: number; admit: (entry: Placed) => Admission }
): { entries: Placed[]; unchecked: Placed[]; olderRemain: boolean } => {
  const start = firstOfBucket(ascending, floor)
  let i = before === undefined ? ascending.length : firstNotBefore(ascending, before)
  const entries: Placed[] = []
  const unchecked: Placed[] = []
  while (i > start && entries.length + unchecked.length < limit) {
    i -= 1
    const entry = ascending[i]!
    const admission = admit(entry)
    if (admission === 'unchecked') unchecked.push(entry)
    else if (admission !== 'hidden') entries.push(admission === entry.message ? entry : { bucket: entry.bucket, message: admission })
  }
  return { entries, unchecked, olderRemain: i > start }
}

/**
 * Loaded messages in history order, kept sorted as they change. NOTE: a send appends one
 * message; re-sorting a whole bucket after each (as a cache dropped on change would) cost
 * more than the send itself.
 */
export class HistoryOrder {
  private readonly ascending: Placed[] = []
  private readonly byBucket = new Map<number, Map<string, Placed>>()

  /** Every placed message, oldest first. */
  get entries (): readonly Placed[] { return this.ascending }

  /** Where a message of `bucket` is placed, if it is. */
  get (bucket: number, message_id: string): Placed | undefined { return this.byBucket.get(bucket)?.get(message_id) }

  /** Places the current version of a message, or removes it (undefined). */
  set (bucket: number, message_id: string, message: Message | undefined): void {
    const placed = this.placedIn(bucket)
    const old = placed.get(message_id)
    if (old?.message === message) return
    if (old) {
      this.ascending.splice(firstNotBefore(this.ascending, cursorOf(old)), 1)
      placed.delete(message_id)
    }
    if (message === undefined) return
    const entry: Placed = { bucket, message }
    placed.set(message_id, entry)
    const last = this.ascending[this.ascending.length - 1]
    if (last === undefined || comparePlaced(last, entry) < 0) this.ascending.push(entry)
    else this.ascending.splice(firstNotBefore(this.ascending, cursorOf(entry)), 0, entry)
  }

  /** Places a bucket's messages at once (when it is loaded): one sort rather than an insertion each. */
  addAll (bucket: number, messages: Iterable<Message>): void {
    const placed = this.placedIn(bucket)
    for (const message of messages) {
      if (placed.has(message.message_id)) {
        this.set(bucket, message.message_id, message)
        continue
      }
      const entry: Placed = { bucket, message }
      placed.set(message.message_id, entry)
      this.ascending.push(entry)
    }
    this.ascending.sort(comparePlaced)
  }

  private placedIn (bucket: number): Map<string, Placed> {
    let placed = this.byBucket.get(bucket)
    if (placed === undefined) {
      placed = new Map()
      this.byBucket.set(bucket, placed)
    }
    return placed
  }
}
