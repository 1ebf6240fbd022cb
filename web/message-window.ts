// The slice of a conversation's history kept on screen: whole pages, bounded, movable up and down.
import type { Cursor, HistoryPage, Message } from '../client'
import { compareCursors, cursorOf } from '../client/conversation/history'

export interface HistorySource {
  history(options: { limit: number; before?: Cursor }): Promise<HistoryPage>
  /** What history shows now of these messages of `bucket` (null: none), for those whose place `wanted` accepts (see Conversation.versions). */
  versions(bucket: number, message_ids: Iterable<string>, wanted: (cursor: Cursor) => boolean): Promise<ReadonlyMap<string, Message | null>>
}

/** A contiguous run of history. */
export interface Page {
  /** The `before` it was read with; undefined for the run that reaches the newest message. */
  upper: Cursor | undefined
  /** The cursor of its oldest message, or null when nothing older exists. */
  lower: Cursor | null
  /** Newest first. */
  messages: Message[]
  /** The bucket of each message, in the same order. */
  buckets: number[]
}

export const PAGE_SIZE = 50
/** Messages kept once the reader has moved on: the DOM stays small at any history length. */
export const MAX_KEPT = 300
/** Longest read in one go (a burst of new messages beyond this drops the far end instead). */
const MAX_READS = Math.ceil(MAX_KEPT / PAGE_SIZE) + 6

/**
 * Reads pages from `upper` down until the page holding the message at `stop` (cut just
 * after it), the beginning of the history, or MAX_READS pages. `reached` says whether the
 * run joins `stop`, i.e. whether pages kept below it still continue it.
 */
export const readDown = async (
  source: HistorySource,
  upper: Cursor | undefined,
  stop: Cursor | null,
  maxReads = MAX_READS
): Promise<{ pages: Page[]; reached: boolean }> => {
  const pages: Page[] = []
  let before = upper
  for (let reads = 0; reads < maxReads; reads++) {
    const page = await source.history({ limit: PAGE_SIZE, before })
    if (stop !== null) {
      const at = page.messages.findIndex(message => message.message_id === stop.message_id)
      if (at !== -1) {
        pages.push({ upper: before, lower: stop, messages: page.messages.slice(0, at + 1), buckets: page.buckets.slice(0, at + 1) })
        return { pages, reached: true }
      }
    }
    pages.push({ upper: before, lower: page.cursor, messages: page.messages, buckets: page.buckets })
    if (page.cursor === null) return { pages, reached: stop === null }
    // NOTE: the stop message can vanish (overwritten by an invalid value): stop once past its place.
    if (stop !== null && compareCursors(page.cursor, stop) <= 0) return { pages, reached: true }
    before = page.cursor
  }
  return { pages, reached: false }
}

const countOf = (pages: readonly Page[]): number => pages.reduce((sum, page) => sum + page.messages.length, 0)

/**
 * The pages on screen, newest first, always contiguous. Older pages are added below as the
 * reader scrolls up; past MAX_KEPT the newest pages are dropped, remembering where each
 * started so they can be read again on the way back down.
 */
export class MessageWindow {
  pages: Page[] = []
  /** The `upper` of each page dropped above the window, the nearest last. */
  readonly #above: Array<Cursor | undefined> = []

  constructor (private readonly source: HistorySource) {}

  /** Whether the window reaches the newest message (so new ones show up in it). */
  get live (): boolean { return this.#above.length === 0 }

  get hasOlder (): boolean { return (this.pages.at(-1)?.lower ?? null) !== null }

  get count (): number { return countOf(this.pages) }

  /** Oldest first, as the log shows them. */
  ascending (): Message[] {
    const all: Message[] = []
    for (let p = this.pages.length - 1; p >= 0; p--) {
      const messages = this.pages[p]!.messages
      for (let m = messages.length - 1; m >= 0; m--) all.push(messages[m]!)
    }
    return all
  }

  /** Reads the same range again (after any change): new messages, edits, deletes. */
  async reload (): Promise<void> {
    if (this.pages.length === 0) return this.latest()
    const top = this.pages[0]!.upper
    const stop = this.pages.at(-1)!.lower
    this.pages = (await readDown(this.source, top, stop)).pages
  }

  /**
   * Applies a change to messages of `bucket` (see Conversation.subscribe): those on screen take
   * their current version or leave, new ones within the window's range join in their place;
   * the rest of the window is not read again. Returns whether anything shown changed.
   * NOTE: reloading after every change re-read up to 12 pages per received message.
   */
  async apply (bucket: number, message_ids: Iterable<string>): Promise<boolean> {
    if (this.pages.length === 0) return false
    const versions = await this.source.versions(bucket, message_ids, cursor => this.#covers(cursor) || this.#find(bucket, cursor.message_id) !== null)
    let changed = false
    for (const [id, message] of versions) {
      const at = this.#find(bucket, id)
      if (at !== null && at.page.messages[at.index] === message) continue
      if (at !== null) {
        at.page.messages.splice(at.index, 1)
        at.page.buckets.splice(at.index, 1)
        changed = true
      }
      if (message !== null && this.#covers(cursorOf({ bucket, message }))) {
        this.#insert(bucket, message)
        changed = true
      }
    }
    if (changed) this.#splitLongPages()
    return changed
  }

  /** Whether a message at `cursor` falls within the window's range (from the newest message when live). */
  #covers (cursor: Cursor): boolean {
    const upper = this.pages[0]!.upper
    const lower = this.pages.at(-1)!.lower
    return (upper === undefined || compareCursors(cursor, upper) < 0) && (lower === null || compareCursors(cursor, lower) >= 0)
  }

  #find (bucket: number, message_id: string): { page: Page; index: number } | null {
    for (const page of this.pages) {
      for (let index = 0; index < page.messages.length; index++) {
        if (page.messages[index]!.message_id === message_id && page.buckets[index] === bucket) return { page, index }
      }
    }
    return null
  }

  /** Puts a message within the window's range into its page, in history order. */
  #insert (bucket: number, message: Message): void {
    const cursor = cursorOf({ bucket, message })
    const page = this.pages.find(page => page.lower === null || compareCursors(cursor, page.lower) >= 0)!
    let index = 0
    while (index < page.messages.length && compareCursors(cursorOf({ bucket: page.buckets[index]!, message: page.messages[index]! }), cursor) > 0) index++
    page.messages.splice(index, 0, message)
    page.buckets.splice(index, 0, bucket)
  }

  /** Cuts pages grown past two pages' worth (new messages at the newest end) into pages, so that keepNewest can drop the oldest. */
  #splitLongPages (): void {
    if (!this.pages.some(page => page.messages.length > 2 * PAGE_SIZE)) return
    this.pages = this.pages.flatMap(page => {
      if (page.messages.length <= 2 * PAGE_SIZE) return [page]
      const cut: Page[] = []
      let upper = page.upper
      for (let start = 0; start < page.messages.length; start += PAGE_SIZE) {
        const end = Math.min(start + PAGE_SIZE, page.messages.length)
        const oldest = end - 1
        const lower = end === page.messages.length ? page.lower : cursorOf({ bucket: page.buckets[oldest]!, message: page.messages[oldest]! })
        cut.push({ upper, lower, messages: page.messages.slice(start, end), buckets: page.buckets.slice(start, end) })
        upper = lower ?? undefined
      }
      return cut
    })
  }

  /** Back to the newest page, forgetting everything else. */
  async latest (): Promise<void> {
    const { pages } = await readDown(this.source, undefined, null, 1)
    this.#above.length = 0
    this.pages = pages
  }

  /** Adds the next older page; drops pages at the newer end beyond MAX_KEPT. */
  async older (): Promise<boolean> {
    const last = this.pages.at(-1)
    if (!last || last.lower === null) return false
    const page = await this.source.history({ limit: PAGE_SIZE, before: last.lower })
    this.pages = [...this.pages, { upper: last.lower, lower: page.cursor, messages: page.messages, buckets: page.buckets }]
    while (this.count > MAX_KEPT && this.pages.length > 1) {
      this.#above.push(this.pages[0]!.upper)
      this.pages = this.pages.slice(1)
    }
    return true
  }

  /** Reads back the nearest dropped page above; drops pages at the older end beyond MAX_KEPT. */
  async newer (): Promise<boolean> {
    const first = this.pages[0]
    if (this.#above.length === 0 || !first?.upper) return false
    const { pages, reached } = await readDown(this.source, this.#above.at(-1), first.upper)
    this.#above.pop()
    this.pages = reached ? [...pages, ...this.pages] : pages
    this.keepNewest()
    return true
  }

  /** Drops pages at the older end beyond MAX_KEPT (when the reader is at the newest end). */
  keepNewest (): boolean {
    let dropped = false
    while (this.count > MAX_KEPT && this.pages.length > 1) {
      this.pages = this.pages.slice(0, -1)
      dropped = true
    }
    return dropped
  }
}
