// One list of people the relay found for one query, a page at a time: what is shown, whether there is more, what went wrong.
import type { User } from '../client'
import { ParleyError } from '../shared/errors'
import { describeError } from './core/errors'

/** One page of people, and where the next starts (null: no more): what ParleyClient.findPeople resolves. */
export interface PeoplePage {
  people: User[]
  cursor: string | null
}

/** Asks for one page of `query` from `cursor` (null: the first). */
export type FindPage = (query: string, options: { cursor: string | null; limit: number }) => Promise<PeoplePage>

/**
 * How an ask ended: 'found' (shown), 'refused' (the relay does not let people be found so:
 * 'not-allowed', left to the owner to put in words), 'failed' (told in `problem`), or 'dropped'
 * (overtaken by a newer ask, or cleared: nothing changed).
 */
export type PageOutcome = 'found' | 'refused' | 'failed' | 'dropped'

export class PeoplePages {
  #people = $state.raw<User[]>([])
  #cursor = $state<string | null>(null)
  #loading = $state(false)
  #problem = $state<string | null>(null)
  /** The relay's reason for its last refusal ('list-off', 'search-off'), or null. */
  #refusal: string | null = null
  #query = ''
  /** The number of the latest ask: an answer to an older one is dropped. */
  #asked = 0
  readonly #find: FindPage
  readonly #limit: number
  readonly #hidden: (user_id: string) => boolean

  /** `limit` people a page; `hidden` says who is never listed (oneself). */
  constructor (find: FindPage, limit: number, hidden: (user_id: string) => boolean = () => false) {
    this.#find = find
    this.#limit = limit
    this.#hidden = hidden
  }

  /** The people found so far, in the relay's order. */
  get people (): readonly User[] { return this.#people }
  /** Whether the relay has a next page. */
  get hasMore (): boolean { return this.#cursor !== null }
  /** Whether an ask is on its way. */
  get loading (): boolean { return this.#loading }
  /** Why the last ask failed, in words; null when it did not. */
  get problem (): string | null { return this.#problem }

  /** Why the relay refused the last ask ('list-off': it lists nobody; 'search-off': it searches nobody), or null. */
  get refusal (): string | null { return this.#refusal }

  /** Asks for the first page of `query`; what is shown stays until it arrives, then gives way to it. */
  load (query: string): Promise<PageOutcome> {
    this.#query = query
    return this.#ask(null)
  }

  /** Asks for the page after what is shown, added below it. */
  async more (): Promise<PageOutcome> {
    if (this.#cursor === null || this.#loading) return 'dropped'
    return this.#ask(this.#cursor)
  }

  /** Shows nobody; an answer still on its way is dropped. */
  clear (): void {
    this.#asked++
    this.#people = []
    this.#cursor = null
    this.#loading = false
    this.#problem = null
  }

  async #ask (cursor: string | null): Promise<PageOutcome> {
    const asked = ++this.#asked
    this.#loading = true
    try {
      const page = await this.#find(this.#query, { cursor, limit: this.#limit })
      if (asked !== this.#asked) return 'dropped'
      const found = page.people.filter(user => !this.#hidden(user.user_id))
      if (cursor === null) {
        this.#people = found
      } else {
        // NOTE: a person renamed between two pages may come again on the next one: listed once.
        const shown = new Set(this.#people.map(user => user.user_id))
        this.#people = [...this.#people, ...found.filter(user => !shown.has(user.user_id))]
      }
      this.#cursor = page.cursor
      this.#problem = null
      this.#refusal = null
      return 'found'
    } catch (error) {
      if (asked !== this.#asked) return 'dropped'
      const refused = error instanceof ParleyError && error.reason === 'not-allowed'
      this.#refusal = refused ? error.detail : null
      // A failed next page keeps what is shown, and its cursor to try again; a failed first page shows nobody.
      if (cursor === null) {
        this.#people = []
        this.#cursor = null
      }
      this.#problem = refused ? null : describeError(error)
      return refused ? 'refused' : 'failed'
    } finally {
      if (asked === this.#asked) this.#loading = false
    }
  }
}
