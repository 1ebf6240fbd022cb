// @vitest-environment happy-dom
// Finding people as the sidebar does: searching once typing pauses, pages, what the relay allows, and failures in words.
import { flushSync } from 'svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { User } from '../client'
import { ParleyError } from '../shared/errors'
import { PeopleSearch, SEARCH_DELAY_MS, type PeopleFinder } from './people-search.svelte'

const idOf = (n: number): string => `u${String(n).padStart(21, '0')}`

const person = (n: number, name: string): User =>
  ({ user_id: idOf(n), name, public_key: 'k', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', deleted_at: null })

const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

/**
 * A relay's search, in memory: each query word starts a word of the name, accents and case ignored, in name order, pages from a
 * cursor; 'list' says what it allows (as the relay option `people`). Every ask is recorded.
 */
class FakeRelay implements PeopleFinder {
  readonly me = { user_id: idOf(0) }
  readonly asked: string[] = []
  /** Answers held back until released, when set. */
  held: Array<() => void> | null = null
  failure: ParleyError | null = null

  constructor (readonly people: User[], readonly allows: 'everyone' | 'search' | 'off' = 'everyone') {}

  async findPeople (query: string, { cursor = null, limit = 20 }: { cursor?: string | null; limit?: number } = {}): Promise<{ people: User[]; cursor: string | null }> {
    this.asked.push(cursor === null ? query : `${query} from ${cursor}`)
    if (this.held !== null) await new Promise<void>(resolve => this.held!.push(resolve))
    if (this.failure) throw this.failure
    if (this.allows === 'off') throw new ParleyError('not-allowed', 'this relay does not let people be searched: ask for their id', 'search-off')
    if (query === '' && this.allows === 'search') throw new ParleyError('not-allowed', 'this relay does not list everyone: search by name', 'list-off')
    const found = this.people
      .filter(user => fold(query).split(/\s+/).filter(Boolean).every(start => fold(user.name).split(/\s+/).some(word => word.startsWith(start))))
      .sort((a, b) => a.name.localeCompare(b.name))
    const start = cursor === null ? 0 : Number(cursor)
    const end = start + limit
    return { people: found.slice(start, end), cursor: end < found.length ? String(end) : null }
  }

  async lookUp (user_id: string): Promise<User | null> {
    this.asked.push(`id ${user_id}`)
    return this.people.find(user => user.user_id === user_id) ?? null
  }
}

const PEOPLE = [person(0, 'Me Myself'), person(1, 'Ada Lovelace'), person(2, 'Élodie Dupré'), person(3, 'Bob Marley'), person(4, 'Eloise Hart'), person(5, 'Carol Lovell')]
const names = (users: readonly User[]): string[] => users.map(user => user.name)

const searches: PeopleSearch[] = []
const open = (relay: FakeRelay, pageSize?: number): PeopleSearch => {
  const search = new PeopleSearch(relay, { pageSize })
  searches.push(search)
  return search
}

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => {
  for (const search of searches.splice(0)) search.close()
  vi.useRealTimers()
})

describe('PeopleSearch', () => {
  it('asks the relay once typing pauses, for what was typed last, and lists whom it found but oneself', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay)
    for (const text of ['e', 'el', 'elo']) {
      search.setQuery(text)
      await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS / 2)
    }
    expect(relay.asked).toEqual([])
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(relay.asked).toEqual(['elo'])
    flushSync()
    expect(search.searching).toBe(true)
    expect(names(search.results.people)).toEqual(['Élodie Dupré', 'Eloise Hart'])

    search.setQuery('m')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(names(search.results.people)).toEqual(['Bob Marley'])
  })

  it('asks at once on Enter', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay)
    search.setQuery('lov')
    search.searchNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(relay.asked).toEqual(['lov'])
    expect(names(search.results.people)).toEqual(['Ada Lovelace', 'Carol Lovell'])
  })

  it('adds the next page below the first with More, while there is one', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay, 1)
    search.setQuery('e')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(names(search.results.people)).toEqual(['Élodie Dupré'])
    expect(search.results.hasMore).toBe(true)
    await search.results.more()
    expect(names(search.results.people)).toEqual(['Élodie Dupré', 'Eloise Hart'])
    expect(search.results.hasMore).toBe(false)
    expect(relay.asked).toEqual(['e', 'e from 1'])
  })

  it('shows the answer to the last query even when an earlier one answers after it', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay)
    relay.held = []
    search.setQuery('ada')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    search.setQuery('bob')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(search.results.loading).toBe(true)
    const [adaAnswer, bobAnswer] = relay.held
    bobAnswer!()
    await vi.advanceTimersByTimeAsync(0)
    adaAnswer!()
    await vi.advanceTimersByTimeAsync(0)
    expect(names(search.results.people)).toEqual(['Bob Marley'])
    expect(search.results.loading).toBe(false)
  })

  it('empties on clear (Escape), and an answer still on its way is not shown', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay)
    search.setQuery('ada')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(names(search.results.people)).toEqual(['Ada Lovelace'])

    relay.held = []
    search.setQuery('bob')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    search.clear()
    relay.held[0]!()
    await vi.advanceTimersByTimeAsync(0)
    expect(search.query).toBe('')
    expect(search.searching).toBe(false)
    expect(search.results.people).toEqual([])
    expect(search.results.loading).toBe(false)

    // A search typed and cleared before typing paused never reaches the relay.
    search.setQuery('car')
    search.clear()
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS * 2)
    expect(relay.asked).toEqual(['ada', 'bob'])
  })

  it('finds a person by their id, on any relay', async () => {
    const relay = new FakeRelay(PEOPLE, 'off')
    const search = open(relay)
    search.setQuery(` ${idOf(3)} `)
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(names(search.results.people)).toEqual(['Bob Marley'])
    expect(search.problem).toBeNull()
    expect(relay.asked).toEqual([`id ${idOf(3)}`])
  })

  it('says why a search failed, in words, and the next one succeeds again', async () => {
    const relay = new FakeRelay(PEOPLE)
    const search = open(relay)
    relay.failure = new ParleyError('unavailable', 'too many searches: try again in a moment')
    search.setQuery('ada')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(search.problem).toBe('Too many searches: try again in a moment.')
    expect(search.results.people).toEqual([])

    relay.failure = null
    search.setQuery('ada l')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(search.problem).toBeNull()
    expect(names(search.results.people)).toEqual(['Ada Lovelace'])
  })

  describe('what the relay allows', () => {
    it('lists everyone but oneself, a page at a time, where the relay lists everyone', async () => {
      const relay = new FakeRelay(PEOPLE)
      const search = open(relay, 3)
      expect(search.reach).toBe('unknown')
      await search.refresh()
      expect(search.reach).toBe('everyone')
      expect(names(search.everyone.people)).toEqual(['Ada Lovelace', 'Bob Marley', 'Carol Lovell'])
      await search.everyone.more()
      expect(names(search.everyone.people)).toEqual(['Ada Lovelace', 'Bob Marley', 'Carol Lovell', 'Élodie Dupré', 'Eloise Hart'])
      expect(search.everyone.hasMore).toBe(false)
    })

    it('offers search alone where the relay does not list everyone', async () => {
      const relay = new FakeRelay(PEOPLE, 'search')
      const search = open(relay)
      await search.refresh()
      expect(search.reach).toBe('search')
      expect(search.everyone.people).toEqual([])
      expect(search.everyone.problem).toBeNull()
      search.setQuery('bob')
      await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
      expect(names(search.results.people)).toEqual(['Bob Marley'])
    })

    it('says people are found by their id where the relay searches nobody', async () => {
      const relay = new FakeRelay(PEOPLE, 'off')
      const search = open(relay)
      await search.refresh()
      expect(search.reach).toBe('by-id')
      search.setQuery('bob')
      await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
      expect(search.problem).toBe('This relay finds people by their id only.')
    })

    it('leaves it unknown while the relay cannot be asked, and asks again on the next refresh', async () => {
      const relay = new FakeRelay(PEOPLE)
      const search = open(relay)
      relay.failure = new ParleyError('unavailable', 'the relay cannot be reached now')
      await search.refresh()
      expect(search.reach).toBe('unknown')
      relay.failure = null
      await search.refresh()
      expect(search.reach).toBe('everyone')
      expect(search.everyone.people).toHaveLength(5)
    })
  })
})
