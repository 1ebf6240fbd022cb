// `parley people`'s paging and lines, over a stand-in for the client's findPeople.
import { describe, expect, it } from 'vitest'
import type { User } from '../shared/model'
import { MAX_PAGE_SIZE } from '../shared/protocol'
import { findAll, personLine, presenceOf } from './people'

const person = (name: string): User => ({
  user_id: name.padEnd(22, '_').slice(0, 22),
  name,
  public_key: 'key',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  deleted_at: null
})

/** A findPeople answering `pages` in turn, recording what it was asked. */
const pagedSearch = (pages: Array<{ people: User[]; cursor: string | null }>) => {
  const asked: Array<{ query: string; cursor: string | null | undefined; limit: number | undefined }> = []
  return {
    asked,
    findPeople: async (query: string, options: { cursor?: string | null; limit?: number } = {}) => {
      asked.push({ query, cursor: options.cursor, limit: options.limit })
      const page = pages.shift()
      if (!page) throw new Error('asked past the last page')
      return page
    }
  }
}

const collect = async (pages: AsyncGenerator<User[]>): Promise<string[]> => {
  const names: string[] = []
  for await (const people of pages) names.push(...people.map(user => user.name))
  return names
}

describe('findAll', () => {
  it('follows the relay\'s cursors to the last page, a full page at a time', async () => {
    const search = pagedSearch([
      { people: [person('Ada'), person('Bob')], cursor: 'after-bob' },
      { people: [person('Cy')], cursor: 'after-cy' },
      { people: [], cursor: null }
    ])
    expect(await collect(findAll(search, 'a'))).toEqual(['Ada', 'Bob', 'Cy'])
    expect(search.asked).toEqual([
      { query: 'a', cursor: null, limit: MAX_PAGE_SIZE },
      { query: 'a', cursor: 'after-bob', limit: MAX_PAGE_SIZE },
      { query: 'a', cursor: 'after-cy', limit: MAX_PAGE_SIZE }
    ])
  })

  it('stops at a cursor the relay gave before, rather than paging for ever', async () => {
    const search = pagedSearch([
      { people: [person('Ada')], cursor: 'one' },
      { people: [person('Bob')], cursor: 'two' },
      { people: [person('Ada')], cursor: 'one' }
    ])
    expect(await collect(findAll(search, ''))).toEqual(['Ada', 'Bob', 'Ada'])
    expect(search.asked).toHaveLength(3)
  })
})

describe('a person\'s line', () => {
  it('says online or offline where presence is followed, and - elsewhere', () => {
    const ada = person('Ada Lovelace')
    expect(personLine(ada, true, false)).toBe(`Ada Lovelace\t${ada.user_id}\tonline`)
    expect(personLine(ada, false, false)).toBe(`Ada Lovelace\t${ada.user_id}\toffline`)
    expect(personLine(ada, null, false)).toBe(`Ada Lovelace\t${ada.user_id}\t-`)
    expect(JSON.parse(personLine(ada, null, true))).toEqual({ name: 'Ada Lovelace', user_id: ada.user_id, online: null })
  })

  it('takes presence only from people the client holds', () => {
    const client = { user: (id: string) => (id === 'held' ? person('Held') : null), isOnline: (id: string) => id === 'held' || id === 'stranger' }
    expect(presenceOf(client, 'held')).toBe(true)
    expect(presenceOf(client, 'stranger')).toBeNull()
  })
})
