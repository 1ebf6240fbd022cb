// History order and paging: bucket, then (created_at, message_id); newest-first pages that never skip or repeat.
import { describe, expect, it } from 'vitest'
import { randomId } from '../../shared/ids'
import type { Message } from '../../shared/model'
import { HistoryOrder, compareMessages, comparePlaced, cursorOf, newestAdmitted, newestBefore, type Cursor, type Placed } from './history'

const START = Date.parse('2024-05-01T12:00:00.000Z')

const messageAt = (ms: number, message_id = randomId()): Message => {
  const at = new Date(START + ms).toISOString()
  return { message_id, sender_id: randomId(), receiver_id: null, group_id: 'G'.repeat(22), content: 'hi', created_at: at, updated_at: at, deleted_at: null, signature: 'A'.repeat(86) }
}

const placed = (bucket: number, ms: number, message_id?: string): Placed => ({ bucket, message: messageAt(ms, message_id) })

/** `count` entries, three to each millisecond so that ties are common, five to a bucket, in history order. */
const log = (count: number): Placed[] =>
  Array.from({ length: count }, (_, i) => placed(Math.floor(i / 5), Math.floor(i / 3))).sort(comparePlaced)

const ids = (entries: readonly Placed[]) => entries.map(entry => entry.message.message_id)

/** Follows cursors from the newest page to the oldest. */
const walk = (ascending: readonly Placed[], limit: number) => {
  const pages: Array<{ entries: Placed[]; olderRemain: boolean }> = []
  let before: Cursor | undefined
  for (;;) {
    const page = newestBefore(ascending, limit, before)
    pages.push(page)
    const last = page.entries[page.entries.length - 1]
    if (!page.olderRemain || !last) return pages
    before = cursorOf(last)
  }
}

describe('compareMessages', () => {
  it('orders by created_at first', () => {
    const older = messageAt(0, 'z'.repeat(22))
    const newer = messageAt(1, 'A'.repeat(22))
    expect(compareMessages(older, newer)).toBeLessThan(0)
    expect(compareMessages(newer, older)).toBeGreaterThan(0)
  })

  it('breaks ties by message_id', () => {
    const first = messageAt(5, 'A'.repeat(22))
    const second = messageAt(5, 'B'.repeat(22))
    expect(compareMessages(first, second)).toBeLessThan(0)
    expect(compareMessages(second, first)).toBeGreaterThan(0)
    expect(compareMessages(first, { created_at: first.created_at, message_id: first.message_id })).toBe(0)
  })
})

describe('comparePlaced', () => {
  it('orders by bucket first, so a newer message in an older bucket stays with its bucket', () => {
    const lateInOldBucket = placed(0, 10_000)
    const earlyInNewBucket = placed(1, 0)
    expect(comparePlaced(lateInOldBucket, earlyInNewBucket)).toBeLessThan(0)
  })

  it('gives the same order whatever order the entries arrive in', () => {
    const entries = log(30)
    const reversed = [...entries].reverse().sort(comparePlaced)
    const shuffled = [...entries].sort(() => Math.random() - 0.5).sort(comparePlaced)
    expect(ids(reversed)).toEqual(ids(entries))
    expect(ids(shuffled)).toEqual(ids(entries))
  })
})

describe('newestBefore', () => {
  it('returns the newest entries first', () => {
    const ascending = log(23)
    const page = newestBefore(ascending, 5)
    expect(ids(page.entries)).toEqual(ids(ascending.slice(-5).reverse()))
    expect(page.olderRemain).toBe(true)
  })

  it('pages through the whole log with no duplicates and no gaps, ties and bucket edges included', () => {
    const ascending = log(23)
    for (const limit of [1, 2, 3, 5, 7, 23, 50]) {
      const pages = walk(ascending, limit)
      expect(pages).toHaveLength(Math.ceil(ascending.length / limit))
      expect(ids(pages.flatMap(page => page.entries))).toEqual(ids([...ascending].reverse()))
      expect(pages.map(page => page.olderRemain)).toEqual(pages.map((_, i) => i < pages.length - 1))
    }
  })

  it('says nothing older remains when the page reaches the first entry exactly', () => {
    const ascending = log(6)
    expect(newestBefore(ascending, 6).olderRemain).toBe(false)
    expect(newestBefore(ascending, 3, cursorOf(ascending[3]!))).toEqual({ entries: [ascending[2], ascending[1], ascending[0]], olderRemain: false })
    expect(newestBefore([], 10)).toEqual({ entries: [], olderRemain: false })
  })

  it('excludes the entry the cursor points at', () => {
    const ascending = log(12)
    const page = newestBefore(ascending, 3, cursorOf(ascending[7]!))
    expect(ids(page.entries)).toEqual(ids([ascending[6]!, ascending[5]!, ascending[4]!]))
  })

  it('accepts a cursor between entries, inside a tie', () => {
    const ascending = [placed(0, 0, 'A'.repeat(22)), placed(0, 0, 'C'.repeat(22)), placed(0, 0, 'E'.repeat(22))]
    const page = newestBefore(ascending, 10, { bucket: 0, created_at: ascending[0]!.message.created_at, message_id: 'D'.repeat(22) })
    expect(ids(page.entries)).toEqual(['C'.repeat(22), 'A'.repeat(22)])
    expect(newestBefore(ascending, 10, cursorOf(placed(0, -1)))).toEqual({ entries: [], olderRemain: false })
  })
})

describe('HistoryOrder', () => {
  it('keeps history order as messages are placed, replaced and removed, in any order', () => {
    const order = new HistoryOrder()
    const entries = log(60).sort(() => Math.random() - 0.5)
    order.addAll(0, entries.filter(entry => entry.bucket === 0).map(entry => entry.message))
    for (const entry of entries) if (entry.bucket !== 0) order.set(entry.bucket, entry.message.message_id, entry.message)
    expect(ids(order.entries)).toEqual(ids([...entries].sort(comparePlaced)))

    // An edit replaces its message in place; a removal leaves no trace.
    const [edited, removed] = entries
    const newer = { ...edited!.message, content: 'edited' }
    order.set(edited!.bucket, newer.message_id, newer)
    order.set(removed!.bucket, removed!.message.message_id, undefined)
    const expected = entries.filter(entry => entry !== removed).sort(comparePlaced)
    expect(ids(order.entries)).toEqual(ids(expected))
    expect(order.entries.find(entry => entry.message.message_id === newer.message_id)?.message.content).toBe('edited')
  })
})

describe('newestAdmitted', () => {
  it('skips hidden entries, and counts unchecked ones as candidates to check', () => {
    const ascending = log(20)
    const hidden = new Set(ids(ascending.slice(17, 19)))
    const unchecked = new Set(ids(ascending.slice(15, 16)))
    const page = newestAdmitted(ascending, 5, {
      floor: 0,
      admit: entry => hidden.has(entry.message.message_id) ? 'hidden' : unchecked.has(entry.message.message_id) ? 'unchecked' : entry.message
    })
    expect(ids(page.entries)).toEqual(ids([ascending[19]!, ascending[16]!, ascending[14]!, ascending[13]!]))
    expect(ids(page.unchecked)).toEqual(ids([ascending[15]!]))
    expect(page.olderRemain).toBe(true)
  })

  it('stays within buckets from the floor up', () => {
    const ascending = log(20) // five to a bucket
    const page = newestAdmitted(ascending, 50, { floor: 3, admit: entry => entry.message })
    expect(ids(page.entries)).toEqual(ids(ascending.slice(15).reverse()))
    expect(page.olderRemain).toBe(false)
  })
})
