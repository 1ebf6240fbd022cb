// The people index: matches by word start in name order, each person once across pages, against a plain filter-and-sort.
import { describe, expect, it } from 'vitest'
import { nameMatches, normalizeForSearch } from '../../shared/people-search'
import { comparePositions, sortKeyOf, type PeoplePosition } from './people-cursor'
import { PeopleIndex } from './people-index'

interface Someone { user_id: string; name: string }

const idOf = (n: number): string => `u${String(n).padStart(21, '0')}`
const someone = (n: number, name: string): Someone => ({ user_id: idOf(n), name })
const indexOf = (people: Someone[]): PeopleIndex<Someone> =>
  PeopleIndex.of(people.map(person => ({ user_id: person.user_id, name: person.name, profile: person })))

/** Every page of `query`, `limit` at a time, until the index says there is no more. */
const allPages = (index: PeopleIndex<Someone>, query: string, limit: number): Someone[][] => {
  const pages: Someone[][] = []
  let after: PeoplePosition | null = null
  do {
    const page = index.page(query, after, limit)
    pages.push(page.people)
    after = page.next
    if (pages.length > 10_000) throw new Error('pages without end')
  } while (after !== null)
  return pages
}

const positionOf = (person: Someone): PeoplePosition => ({ sortKey: sortKeyOf(normalizeForSearch(person.name)), user_id: person.user_id })

/** What a search must find, the slow way: filter everyone, sort by name then id. */
const expected = (people: Someone[], query: string): Someone[] =>
  people.filter(person => nameMatches(person.name, query)).sort((a, b) => comparePositions(positionOf(a), positionOf(b)))

/** Deterministic names from a few syllables, so that prefixes are shared a lot. */
const randomPeople = (count: number, seed: number, syllables = ['a', 'da', 'lo', 've', 'bo', 'ris', 'é', 'Ма', 'ри', '山', '田']): Someone[] => {
  let state = seed
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state % n
  }
  return Array.from({ length: count }, (_, n) => {
    const words = Array.from({ length: 1 + next(3) }, () => Array.from({ length: 1 + next(3) }, () => syllables[next(syllables.length)]).join(''))
    return someone(n, words.join(' '))
  })
}

describe('PeopleIndex', () => {
  it('finds a prefix of any word, accents and case ignored, in name order', () => {
    const index = indexOf([someone(1, 'Élodie Dupré'), someone(2, 'Ada Lovelace'), someone(3, 'Борис Петров'), someone(4, '山田太郎'), someone(5, 'Elon Lovell')])
    const names = (query: string): string[] => index.page(query, null, 50).people.map(person => person.name)
    expect(names('élo')).toEqual(['Élodie Dupré', 'Elon Lovell'])
    expect(names('ELO')).toEqual(['Élodie Dupré', 'Elon Lovell'])
    expect(names('lov')).toEqual(['Ada Lovelace', 'Elon Lovell'])
    expect(names('ada lov')).toEqual(['Ada Lovelace'])
    expect(names('бор')).toEqual(['Борис Петров'])
    expect(names('山田')).toEqual(['山田太郎'])
    expect(names('太郎')).toEqual([])
    expect(names('zed')).toEqual([])
    expect(names('')).toEqual(['Ada Lovelace', 'Élodie Dupré', 'Elon Lovell', 'Борис Петров', '山田太郎'])
  })

  it('lists a person whose several words match once', () => {
    const index = indexOf([someone(1, 'Ada Adams Adler'), someone(2, 'Adam')])
    expect(index.page('ad', null, 50).people.map(person => person.user_id)).toEqual([idOf(1), idOf(2)])
    expect(allPages(index, 'ad', 1).flat().map(person => person.user_id)).toEqual([idOf(1), idOf(2)])
  })

  it('pages through 120 matches 50 at a time, each once, in order', () => {
    const people = Array.from({ length: 120 }, (_, n) => someone(n, `Ada ${String(119 - n).padStart(3, '0')}`))
    const pages = allPages(indexOf(people), 'ada', 50)
    expect(pages.map(page => page.length)).toEqual([50, 50, 20])
    expect(pages.flat()).toEqual(expected(people, 'ada'))
  })

  it('ends a page that is exactly full with no cursor', () => {
    const index = indexOf(Array.from({ length: 50 }, (_, n) => someone(n, `Ada ${n}`)))
    expect(index.page('ada', null, 50).next).toBeNull()
    expect(index.page('ada', null, 49).next).not.toBeNull()
  })

  it('agrees with filtering and sorting everyone, for rare and common queries and any page size', () => {
    const people = randomPeople(2000, 7)
    const index = indexOf(people)
    for (const query of ['', 'a', 'da', 'ada', 'lo', 'lov', 'e', 'bo ri', 'ris', 'ма', 'мари', '山', '山田', 'a a', 'x']) {
      const found = expected(people, query).map(person => person.user_id)
      for (const limit of [1, 7, 50]) {
        const pages = allPages(index, query, limit)
        expect(pages.flat().map(person => person.user_id), `${query} ${limit}`).toEqual(found)
        expect(pages.slice(0, -1).every(page => page.length === limit), `${query} ${limit}`).toBe(true)
      }
    }
  })

  it('agrees when matches are common overall but sparse past the cursor (a walk that gives up)', () => {
    // Everyone in the first half starts with "a"; in the second half nobody matches "a" but one at the very end.
    const people = [
      ...Array.from({ length: 2000 }, (_, n) => someone(n, `a ${n}`)),
      ...Array.from({ length: 2000 }, (_, n) => someone(2000 + n, `b ${n}`)),
      someone(9999, 'b zz aa')
    ]
    const index = indexOf(people)
    expect(allPages(index, 'a', 50).flat()).toEqual(expected(people, 'a'))
    const last = expected(people, 'a').at(-2)!
    expect(index.page('a', positionOf(last), 50).people.map(person => person.name)).toEqual(['b zz aa'])
  })

  it('adds, renames, replaces and removes people', () => {
    const index = indexOf([someone(1, 'Ada'), someone(2, 'Bob')])
    index.put(idOf(3), 'Carol', someone(3, 'Carol'))
    index.put(idOf(1), 'Zoë', someone(1, 'Zoë'))
    index.put(idOf(2), 'Bob', { user_id: idOf(2), name: 'Bob (again)' })
    expect(index.page('', null, 50).people.map(person => person.name)).toEqual(['Bob (again)', 'Carol', 'Zoë'])
    expect(index.page('ada', null, 50).people).toEqual([])
    expect(index.page('zoe', null, 50).people.map(person => person.user_id)).toEqual([idOf(1)])
    index.remove(idOf(3))
    index.remove(idOf(404))
    expect(index.page('', null, 50).people.map(person => person.name)).toEqual(['Bob (again)', 'Zoë'])
    expect(index.page('car', null, 50).people).toEqual([])
    expect(index.size).toBe(2)
  })

  it('keeps in step with the plain filter through many changes', () => {
    const people = new Map(randomPeople(400, 11).map(person => [person.user_id, person]))
    const index = indexOf([...people.values()])
    const changes = randomPeople(600, 13)
    changes.forEach((change, n) => {
      const user_id = idOf((n * 7) % 500)
      if (n % 5 === 0) {
        index.remove(user_id)
        people.delete(user_id)
      } else {
        const person = { user_id, name: change.name }
        index.put(user_id, person.name, person)
        people.set(user_id, person)
      }
    })
    for (const query of ['', 'a', 'lo', 'ма', 'ada']) expect(allPages(index, query, 13).flat(), query).toEqual(expected([...people.values()], query))
  })

  it('neither repeats nor skips anyone who stays, when people come and go between pages', () => {
    const index = indexOf(Array.from({ length: 10 }, (_, n) => someone(n, `Ada ${n}`)))
    const first = index.page('ada', null, 5)
    index.remove(idOf(2))
    index.remove(idOf(5))
    index.put(idOf(20), 'Ada 0', someone(20, 'Ada 0'))
    index.put(idOf(21), 'Ada 9', someone(21, 'Ada 9'))
    const second = index.page('ada', first.next, 5)
    expect(first.people.map(person => person.name)).toEqual(['Ada 0', 'Ada 1', 'Ada 2', 'Ada 3', 'Ada 4'])
    expect(second.people.map(person => person.user_id)).toEqual([idOf(6), idOf(7), idOf(8), idOf(9), idOf(21)])
    expect(second.next).toBeNull()
  })

  it('orders names alike past the sort key by id, and pages through them', () => {
    const long = 'Ada '.repeat(20)
    const people = [someone(3, `${long}c`), someone(1, `${long}b`), someone(2, `${long}a`)]
    expect(allPages(indexOf(people), 'ada', 1).flat().map(person => person.user_id)).toEqual([idOf(1), idOf(2), idOf(3)])
  })

  it('keeps the last of one id when built', () => {
    const index = indexOf([someone(1, 'Ada'), someone(1, 'Bob')])
    expect(index.size).toBe(1)
    expect(index.page('', null, 50).people.map(person => person.name)).toEqual(['Bob'])
  })
})
