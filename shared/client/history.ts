// The order of a conversation's history and how it is cut into pages.
import type { Message } from '../model'

/** Where a page ended: pass it back as `before` to get the next older page. */
export interface Cursor {
  readonly created_at: string
  readonly message_id: string
}

/**
 * Oldest first by created_at; ties (equal clocks) broken by message_id, so every client
 * shows the same order.
 */
export const compareMessages = (a: Cursor, b: Cursor): number =>
  a.created_at < b.created_at ? -1
    : a.created_at > b.created_at ? 1
      : a.message_id < b.message_id ? -1
        : a.message_id > b.message_id ? 1 : 0

export const cursorOf = (message: Message): Cursor =>
  ({ created_at: message.created_at, message_id: message.message_id })

/** Index of the first message not older than the cursor, in an oldest-first array. */
const firstNotBefore = (ascending: readonly Message[], cursor: Cursor): number => {
  let low = 0
  let high = ascending.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareMessages(ascending[middle]!, cursor) < 0) low = middle + 1
    else high = middle
  }
  return low
}

/** Up to `limit` messages older than `before` (all if absent), newest first. */
export const newestBefore = (
  ascending: readonly Message[],
  limit: number,
  before?: Cursor
): { messages: Message[]; olderRemain: boolean } => {
  const end = before === undefined ? ascending.length : firstNotBefore(ascending, before)
  const start = Math.max(0, end - limit)
  return { messages: ascending.slice(start, end).reverse(), olderRemain: start > 0 }
}
