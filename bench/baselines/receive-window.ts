// Baseline (before the receive path applied changes): the slice of history on screen, read again page by page after every change.
import type { Cursor, HistoryPage, Message } from '../../client'
import { compareCursors } from '../../client/conversation/history'

/*
 * NOTE: web/message-window.ts as it was, kept only as the `receive` benchmark's baseline (with
 * receive-view.svelte.ts); never used by the product. Copied as it was, imports aside.
 */

export interface HistorySource {
  history(options: { limit: number; before?: Cursor }): Promise<HistoryPage>
}

/** A contiguous run of history. */
export interface Page {
  /** The `before` it was read with; undefined for the run that reaches the newest message. */
  upper: Cursor | undefined
  /** The cursor of its oldest message, or null when nothing older exists. */
  lower: Cursor | null
  /** Newest first. */
  messages: Message[]
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
        pages.push({ upper: before, lower: stop, messages: page.messages.slice(0, at + 1) })
        return { pages, reached: true }
      }
    }
    pages.push({ upper: before, lower: page.cursor, messages: page.messages })
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
    this.pages = [...this.pages, { upper: last.lower, lower: page.cursor, messages: page.messages }]
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
