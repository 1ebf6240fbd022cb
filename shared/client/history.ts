// The order of a conversation's history and how it is cut into pages.
import type { Message } from '../model'

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

export const comparePlaced = (a: Placed, b: Placed): number => compareCursors(cursorOf(a), cursorOf(b))

/** Index of the first entry not older than the cursor, in an oldest-first array. */
const firstNotBefore = (ascending: readonly Placed[], cursor: Cursor): number => {
  let low = 0
  let high = ascending.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareCursors(cursorOf(ascending[middle]!), cursor) < 0) low = middle + 1
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
