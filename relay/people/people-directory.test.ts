// The people directory: profiles noted, kept as records and read back; searches answered as the relay's mode allows.
import { beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, type Identity } from '../../shared/identity'
import type { User } from '../../shared/model'
import { MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, decodePeopleAnswer, encodePeopleAnswer, type PeopleAnswer, type PeopleQuery } from '../../shared/protocol'
import { MemoryStore } from '../storage/memory-store'
import { StorageError, type RoomStore } from '../storage/store'
import { PeopleDirectory } from './people-directory'

const AT = '2026-01-01T00:00:00.000Z'
const profileOf = (identity: Identity, name: string, changes: Partial<User> = {}): User =>
  ({ user_id: identity.user_id, public_key: identity.public_key, name, created_at: AT, updated_at: AT, deleted_at: null, ...changes })

const query = (text: string, changes: Partial<PeopleQuery> = {}): PeopleQuery => ({ id: 7, query: text, cursor: null, limit: 50, ...changes })

/** The names on an answer's page (throws for a refusal). */
const namesOf = (answer: PeopleAnswer): string[] => {
  if (!answer.ok) throw new Error(`refused: ${answer.reason}`)
  return answer.people.map(person => (person as User).name)
}

/** A store that counts writes of records and can be made to fail them. */
const countingStore = () => {
  const memory = new MemoryStore()
  const writes: Array<ReadonlyMap<string, Uint8Array | null>> = []
  const state = { failing: false }
  const store: RoomStore = {
    load: room => memory.load(room),
    append: (room, update) => memory.append(room, update),
    compact: room => memory.compact(room),
    readRecords: prefix => memory.readRecords(prefix),
    writeRecords: async records => {
      if (state.failing) throw new StorageError('write-failed', 'disk full (simulated)')
      writes.push(records)
      await memory.writeRecords(records)
    },
    close: () => memory.close()
  }
  return { store, memory, writes, state }
}

describe('PeopleDirectory', () => {
  let ada: Identity, bob: Identity, eve: Identity, dan: Identity
  beforeAll(async () => { [ada, bob, eve, dan] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity()]) })

  it('finds the profiles it was told of, and finds them again after a restart', async () => {
    const store = new MemoryStore()
    const directory = await PeopleDirectory.open(store, { mode: 'everyone', flushMs: 60_000 })
    directory.noteProfile(ada.user_id, profileOf(ada, 'Ada Lovelace'))
    directory.noteProfile(bob.user_id, profileOf(bob, 'Bob Dylan'))
    expect(namesOf(directory.answer(query('lov')))).toEqual(['Ada Lovelace'])
    await directory.close()
    expect([...(await store.readRecords('people/')).keys()].sort()).toEqual([`people/${ada.user_id}`, `people/${bob.user_id}`].sort())
    const again = await PeopleDirectory.open(store, { mode: 'everyone' })
    expect(namesOf(again.answer(query('')))).toEqual(['Ada Lovelace', 'Bob Dylan'])
    expect(again.answer(query('lov'))).toEqual({ id: 7, ok: true, people: [profileOf(ada, 'Ada Lovelace')], cursor: null })
    await again.close()
  })

  it('ignores a profile that is not that user\'s, or not a profile', async () => {
    const { store, writes } = countingStore()
    const directory = await PeopleDirectory.open(store, { mode: 'everyone', flushMs: 60_000 })
    directory.noteProfile(ada.user_id, profileOf(eve, 'Ada'))
    directory.noteProfile(ada.user_id, { ...profileOf(ada, 'Ada'), public_key: eve.public_key })
    directory.noteProfile(ada.user_id, { ...profileOf(ada, 'Ada'), name: '' })
    directory.noteProfile(ada.user_id, 'Ada')
    expect(directory.size).toBe(0)
    await directory.close()
    expect(writes).toEqual([])
  })

  it('forgets a deleted profile, record and all, and follows a rename', async () => {
    const store = new MemoryStore()
    const directory = await PeopleDirectory.open(store, { mode: 'everyone', flushMs: 60_000 })
    directory.noteProfile(ada.user_id, profileOf(ada, 'Ada'))
    directory.noteProfile(bob.user_id, profileOf(bob, 'Bob'))
    await directory.flush()
    directory.noteProfile(ada.user_id, profileOf(ada, 'Ada', { deleted_at: AT }))
    directory.noteProfile(bob.user_id, profileOf(bob, 'Robert'))
    expect(namesOf(directory.answer(query('')))).toEqual(['Robert'])
    expect(namesOf(directory.answer(query('bob')))).toEqual([])
    await directory.close()
    const again = await PeopleDirectory.open(store, { mode: 'everyone' })
    expect(namesOf(again.answer(query('')))).toEqual(['Robert'])
    expect([...(await store.readRecords('people/')).keys()]).toEqual([`people/${bob.user_id}`])
    await again.close()
  })

  it('writes each person\'s last change once per flush, and a failed write at the next', async () => {
    const { store, memory, writes, state } = countingStore()
    const directory = await PeopleDirectory.open(store, { mode: 'everyone', flushMs: 60_000 })
    for (const name of ['A', 'Ad', 'Ada']) directory.noteProfile(ada.user_id, profileOf(ada, name))
    directory.noteProfile(bob.user_id, profileOf(bob, 'Bob'))
    state.failing = true
    await expect(directory.flush()).rejects.toThrow('disk full')
    state.failing = false
    directory.noteProfile(bob.user_id, profileOf(bob, 'Bobby'))
    await directory.close()
    expect(writes.length).toBe(1)
    expect([...writes[0]!.keys()].sort()).toEqual([`people/${ada.user_id}`, `people/${bob.user_id}`].sort())
    const kept = await memory.readRecords('people/')
    expect(JSON.parse(new TextDecoder().decode(kept.get(`people/${ada.user_id}`)))).toMatchObject({ name: 'Ada' })
    expect(JSON.parse(new TextDecoder().decode(kept.get(`people/${bob.user_id}`)))).toMatchObject({ name: 'Bobby' })
  })

  it('keeps a profile as written, or only its known fields when that is too large to answer', async () => {
    const directory = await PeopleDirectory.open(new MemoryStore(), { mode: 'everyone', flushMs: 60_000 })
    directory.noteProfile(ada.user_id, { ...profileOf(ada, 'Ada'), pronouns: 'she/her' })
    directory.noteProfile(bob.user_id, { ...profileOf(bob, 'Bob'), avatar: 'x'.repeat(10_000) })
    directory.noteProfile(eve.user_id, { ...profileOf(eve, 'Eve'), age: 30n })
    const answer = directory.answer(query(''))
    expect(answer).toMatchObject({ ok: true, people: [{ ...profileOf(ada, 'Ada'), pronouns: 'she/her' }, profileOf(bob, 'Bob'), profileOf(eve, 'Eve')] })
    expect(decodePeopleAnswer(encodePeopleAnswer(answer))).toEqual(answer)
    await directory.close()
  })

  it('skips records that no longer read as their user\'s live profile', async () => {
    const store = new MemoryStore()
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
    await store.writeRecords(new Map([
      [`people/${ada.user_id}`, encode(profileOf(ada, 'Ada'))],
      [`people/${bob.user_id}`, encode(profileOf(eve, 'Eve'))],
      [`people/${eve.user_id}`, new TextEncoder().encode('{not json')],
      [`people/${dan.user_id}`, encode(profileOf(dan, 'Dan', { deleted_at: AT }))]
    ]))
    const directory = await PeopleDirectory.open(store, { mode: 'everyone' })
    expect(namesOf(directory.answer(query('')))).toEqual(['Ada'])
    await directory.close()
  })

  it('pages with cursors it wrote, and refuses queries out of bounds or cursors it could not have written', async () => {
    const identities = [ada, bob, eve]
    const directory = await PeopleDirectory.open(new MemoryStore(), { mode: 'everyone', flushMs: 60_000 })
    identities.forEach((identity, n) => directory.noteProfile(identity.user_id, profileOf(identity, `Ada ${n}`)))
    const first = directory.answer(query('ada', { limit: 2 }))
    expect(namesOf(first)).toEqual(['Ada 0', 'Ada 1'])
    const cursor = first.ok ? first.cursor : null
    expect(cursor).not.toBeNull()
    expect(directory.answer(query('ada', { limit: 2, cursor }))).toMatchObject({ ok: true, people: [{ name: 'Ada 2' }], cursor: null })
    const refused = { id: 7, ok: false, reason: 'bad-query' }
    for (const bad of [
      query('a'.repeat(MAX_QUERY_LENGTH + 1)), query('ada', { limit: 0 }), query('ada', { limit: MAX_PAGE_SIZE + 1 }),
      query('ada', { cursor: 'x' }), query('ada', { cursor: `${cursor!} ` }), query('ada', { cursor: 'a'.repeat(MAX_CURSOR_LENGTH + 1) })
    ]) {
      expect(directory.answer(bad), JSON.stringify(bad)).toEqual(refused)
    }
    expect(namesOf(directory.answer(query('a'.repeat(MAX_QUERY_LENGTH))))).toEqual([])
    await directory.close()
  })

  it('answers as its mode allows: everyone, by search only, or nobody', async () => {
    const store = new MemoryStore()
    const noted = async (mode: 'everyone' | 'search' | 'off') => {
      const directory = await PeopleDirectory.open(store, { mode, flushMs: 60_000 })
      directory.noteProfile(ada.user_id, profileOf(ada, 'Ada'))
      return directory
    }
    const everyone = await noted('everyone')
    expect(namesOf(everyone.answer(query('')))).toEqual(['Ada'])
    const search = await noted('search')
    expect(namesOf(search.answer(query('ad')))).toEqual(['Ada'])
    for (const empty of ['', '   ', '\u0301']) expect(search.answer(query(empty))).toEqual({ id: 7, ok: false, reason: 'list-off' })
    const off = await noted('off')
    for (const any of [query('ad'), query(''), query('ada', { limit: 0 })]) expect(off.answer(any)).toEqual({ id: 7, ok: false, reason: 'search-off' })
    for (const directory of [everyone, search, off]) await directory.close()
  })
})
