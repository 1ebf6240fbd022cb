// Finding people to talk to: the relay's search as one types, and everyone on the relay a page at a time where it lists them.
import type { User } from '../client'
import { isId } from '../shared/ids'
import { PeoplePages, type FindPage } from './people-pages.svelte'

/** What the search needs of the client (a ParleyClient is one). */
export interface PeopleFinder {
  readonly me: { readonly user_id: string }
  findPeople(query: string, options: { cursor?: string | null; limit?: number }): Promise<{ people: User[]; cursor: string | null }>
  lookUp(user_id: string): Promise<User | null>
}

/**
 * What this relay lets one find: 'everyone' (search, and the whole list a page at a time),
 * 'search' (by name only), 'by-id' (a person is found by their id alone), 'unknown' until the
 * relay has said (offline since the start).
 */
export type PeopleReach = 'unknown' | 'everyone' | 'search' | 'by-id'

/** How long typing must pause before the relay is asked. */
export const SEARCH_DELAY_MS = 200
/** People a page. */
export const PAGE_SIZE = 20

export class PeopleSearch {
  #query = $state('')
  #reach = $state<PeopleReach>('unknown')
  /** The last search was refused: this relay does not search names. */
  #refused = $state(false)
  /** The people the typed query found. */
  readonly results: PeoplePages
  /** Everyone on the relay, where it lists everyone. */
  readonly everyone: PeoplePages
  readonly #finder: PeopleFinder
  readonly #delayMs: number
  #timer: ReturnType<typeof setTimeout> | null = null
  #closed = false

  constructor (finder: PeopleFinder, { delayMs = SEARCH_DELAY_MS, pageSize = PAGE_SIZE }: { delayMs?: number; pageSize?: number } = {}) {
    this.#finder = finder
    this.#delayMs = delayMs
    const isMe = (user_id: string) => user_id === finder.me.user_id
    this.results = new PeoplePages(this.#findByNameOrId, pageSize, isMe)
    this.everyone = new PeoplePages((query, options) => finder.findPeople(query, options), pageSize, isMe)
  }

  /**
   * An id finds its person (on any relay: that is how people are reached where search is off);
   * anything else is a name search.
   * NOTE: a name word 22 letters long would be taken for an id; names have shorter words.
   */
  readonly #findByNameOrId: FindPage = async (query, options) => {
    if (!isId(query)) return this.#finder.findPeople(query, options)
    const user = await this.#finder.lookUp(query)
    return { people: user === null ? [] : [user], cursor: null }
  }

  /** What the person typed. */
  get query (): string { return this.#query }
  /** Whether something is typed: the results show instead of the lists. */
  get searching (): boolean { return this.#query.trim() !== '' }
  get reach (): PeopleReach { return this.#reach }

  /** Why the last search found nobody, in words (null: it did not fail). */
  get problem (): string | null {
    return this.results.problem ?? (this.#refused ? 'This relay finds people by their id only.' : null)
  }

  /** Takes what the person typed; the relay is asked once typing pauses. */
  setQuery (text: string): void {
    this.#query = text
    this.#cancelTimer()
    if (text.trim() === '') {
      this.#clearResults()
      return
    }
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.#search()
    }, this.#delayMs)
  }

  /** Asks the relay now, without waiting for typing to pause (Enter). */
  searchNow (): void {
    if (this.#timer === null) return
    this.#cancelTimer()
    void this.#search()
  }

  /** Empties the search: the lists show again. */
  clear (): void {
    this.#query = ''
    this.#cancelTimer()
    this.#clearResults()
  }

  /**
   * Asks the relay what it lets one find, and the first page of everyone where it lists everyone.
   * The session calls it on each connection, so the list is as fresh as the link.
   */
  async refresh (): Promise<void> {
    if (this.#closed) return
    const outcome = await this.everyone.load('')
    if (this.#closed || outcome === 'dropped') return
    if (outcome === 'found') this.#reach = 'everyone'
    if (outcome !== 'refused') return
    this.#reach = this.everyone.refusal === 'search-off' ? 'by-id' : 'search'
    this.everyone.clear()
  }

  async #search (): Promise<void> {
    const outcome = await this.results.load(this.#query.trim())
    if (this.#closed || outcome === 'dropped') return
    this.#refused = outcome === 'refused'
    if (this.#refused) this.#reach = 'by-id'
  }

  #clearResults (): void {
    this.results.clear()
    this.#refused = false
  }

  #cancelTimer (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** Stops asking: a pending search is dropped, answers on their way too. */
  close (): void {
    this.#closed = true
    this.#cancelTimer()
    this.results.clear()
    this.everyone.clear()
  }
}
