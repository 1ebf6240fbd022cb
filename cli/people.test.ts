// `parley people`'s paging and lines, over a stand-in for the client's findPeople.
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../shared/errors'
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

type Answer = { people: User[]; cursor: string | null } | ParleyError

/** A connected client's findPeople answering `answers` in turn (an error is thrown), recording what it was asked. */
const pagedSearch = (answers: Answer[]) => {
  const asked: Array<{ query: string; cursor: string | null | undefined; limit: number | undefined }> = []
  return {
    asked,
    status: 'connected' as 'connected' | 'offline',
    findPeople: async (query: string, options: { cursor?: string | null; limit?: number } = {}) => {
      asked.push({ query, cursor: options.cursor, limit: options.limit })
      const answer = answers.shift()
      if (!answer) throw new Error('asked past the last page')
      if (answer instanceof ParleyError) throw answer
      return answer
    }
  }
}

const PATIENCE = { patienceMs: 1000, retryMs: 10 }

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
    expect(await collect(findAll(search, 'a', PATIENCE))).toEqual(['Ada', 'Bob', 'Cy'])
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
    expect(await collect(findAll(search, '', PATIENCE))).toEqual(['Ada', 'Bob', 'Ada'])
    expect(search.asked).toHaveLength(3)
  })

  it('asks again, a while, a connected relay that cannot answer now (too many searches)', async () => {
    const tooMany = new ParleyError('unavailable', 'too many searches: try again in a moment')
    const search = pagedSearch([
      { people: [person('Ada')], cursor: 'after-ada' },
      tooMany,
      tooMany,
      { people: [person('Bob')], cursor: null }
    ])
    expect(await collect(findAll(search, '', PATIENCE))).toEqual(['Ada', 'Bob'])
    expect(search.asked.map(ask => ask.cursor)).toEqual([null, 'after-ada', 'after-ada', 'after-ada'])

    const impatient = pagedSearch(Array.from({ length: 20 }, () => tooMany))
    await expect(collect(findAll(impatient, '', { patienceMs: 50, retryMs: 10 }))).rejects.toBe(tooMany)
    expect(impatient.asked.length).toBeLessThan(10)
  })

  it('does not ask again when offline, nor when the relay refuses', async () => {
    const offline = pagedSearch([new ParleyError('unavailable', 'the relay cannot be reached now'), { people: [], cursor: null }])
    offline.status = 'offline'
    await expect(collect(findAll(offline, '', PATIENCE))).rejects.toMatchObject({ reason: 'unavailable' })
    expect(offline.asked).toHaveLength(1)
    const refused = pagedSearch([new ParleyError('not-allowed', 'this relay does not list everyone: search by name'), { people: [], cursor: null }])
    await expect(collect(findAll(refused, '', PATIENCE))).rejects.toMatchObject({ reason: 'not-allowed' })
    expect(refused.asked).toHaveLength(1)
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
