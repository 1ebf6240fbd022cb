// Finding people over real sockets: the relay's search by any word's start, its pages, limits and modes, and the mux network's side of it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { muxNetwork } from '../client/network/mux-network'
import type { Network, PeoplePage } from '../client/transport'
import { createIdentity, type Identity } from '../shared/identity'
import { parseUser, type User } from '../shared/model'
import {
  CloseCode, MAX_QUERY_LENGTH, MUX_FRAME_CODES, MUX_PATH, decodeMuxFrame, encodeMuxFrame, encodeRawMuxFrame, parleyProtocolOf, userRoom,
  type PeopleAnswer, type PeopleQuery
} from '../shared/protocol'
import { Fixture, authenticatedSocket, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

const AT = '2026-01-01T00:00:00.000Z'
const profileOf = (identity: Identity, name: string): User =>
  ({ user_id: identity.user_id, public_key: identity.public_key, name, created_at: AT, updated_at: AT, deleted_at: null })

/** Identities made once: a profile's id must derive from its key, so every seeded person needs a real one. */
let people: Identity[] = []
beforeAll(async () => { people = await Promise.all(Array.from({ length: 130 }, () => createIdentity())) }, 60_000)

/** Gives the relay a profile for each name, each of its own identity (from the n-th on). */
const seed = (relay: { people: { noteProfile(user_id: string, value: unknown): void } }, names: string[], from = 0): Identity[] =>
  names.map((name, n) => {
    const identity = people[from + n]!
    relay.people.noteProfile(identity.user_id, profileOf(identity, name))
    return identity
  })

/** The mux network of a fresh identity, its socket open (held by the user's own room). */
const searcher = async (url: string, { identity, ...options }: { searchTimeoutMs?: number; identity?: Identity } = {}): Promise<Network> => {
  identity ??= await createIdentity()
  const network = muxNetwork({ url, identity, WebSocket, maxBackoffMs: 300, ...options })
  const link = network.connect(userRoom(identity.user_id), new Y.Doc())
  fixture.defer(() => link.destroy())
  await waitFor('the mux socket to open', () => link.status === 'connected')
  return network
}

/** The names of a page's people, each checked to be a profile. */
const namesOf = (page: PeoplePage): string[] => {
  if (!page.ok) throw new Error(`refused: ${page.reason}`)
  return page.people.map(person => {
    const parsed = parseUser(person)
    if (!parsed.ok) throw new Error(`not a profile: ${parsed.reason}`)
    return parsed.value.name
  })
}

const first = { cursor: null, limit: 50 }

/** A raw mux socket, open. */
const rawMuxSocket = async (wsUrl: string): Promise<WebSocket> => {
  const socket = await authenticatedSocket(wsUrl, MUX_PATH)
  socket.on('error', () => {})
  fixture.defer(() => socket.terminate())
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('unexpected-response', reject) })
  return socket
}

const closeOf = (socket: WebSocket): Promise<number> => new Promise(resolve => socket.once('close', code => resolve(code)))

describe('finding people', () => {
  it('finds a name by the start of any of its words, whatever its accents, case or script', async () => {
    const relay = await fixture.relay()
    seed(relay, ['Élodie Dupré', 'Ada Lovelace', 'Борис Петров', '山田太郎', 'Bob Elon'])
    const network = await searcher(relay.wsUrl)
    expect(namesOf(await network.findPeople('élo', first))).toEqual(['Bob Elon', 'Élodie Dupré'])
    expect(namesOf(await network.findPeople('ELO', first))).toEqual(['Bob Elon', 'Élodie Dupré'])
    expect(namesOf(await network.findPeople('elodie', first))).toEqual(['Élodie Dupré'])
    expect(namesOf(await network.findPeople('бор', first))).toEqual(['Борис Петров'])
    expect(namesOf(await network.findPeople('ПЕТ', first))).toEqual(['Борис Петров'])
    expect(namesOf(await network.findPeople('山田', first))).toEqual(['山田太郎'])
    expect(namesOf(await network.findPeople('lov', first))).toEqual(['Ada Lovelace'])
    expect(namesOf(await network.findPeople('ada lov', first))).toEqual(['Ada Lovelace'])
    expect(namesOf(await network.findPeople('velace', first))).toEqual([])
    expect(namesOf(await network.findPeople('', first))).toEqual(['Ada Lovelace', 'Bob Elon', 'Élodie Dupré', 'Борис Петров', '山田太郎'])
  })

  it('pages through 120 matches 50 at a time, each person once, in name order', async () => {
    const relay = await fixture.relay()
    const names = Array.from({ length: 120 }, (_, n) => `Ada ${String((n * 37) % 120).padStart(3, '0')}`)
    const matching = seed(relay, names)
    seed(relay, ['Bob', 'Zed Bada'], names.length)
    const network = await searcher(relay.wsUrl)
    const pages: PeoplePage[] = []
    let cursor: string | null = null
    do {
      const page: PeoplePage = await network.findPeople('ada', { cursor, limit: 50 })
      pages.push(page)
      cursor = page.ok ? page.cursor : null
    } while (cursor !== null && pages.length < 10)
    expect(pages.map(page => namesOf(page).length)).toEqual([50, 50, 20])
    const found = pages.flatMap(page => (page.ok ? page.people : []) as User[])
    expect(found.map(person => person.name)).toEqual([...names].sort())
    expect(new Set(found.map(person => person.user_id))).toEqual(new Set(matching.map(identity => identity.user_id)))
  })

  it('lists a person whose several words match once', async () => {
    const relay = await fixture.relay()
    seed(relay, ['Zoë Adams Adler', 'Ada Adamson'])
    const network = await searcher(relay.wsUrl)
    expect(namesOf(await network.findPeople('ad', first))).toEqual(['Ada Adamson', 'Zoë Adams Adler'])
    const one = await network.findPeople('ad', { cursor: null, limit: 1 })
    const two = await network.findPeople('ad', { cursor: one.ok ? one.cursor : null, limit: 1 })
    expect([...namesOf(one), ...namesOf(two)]).toEqual(['Ada Adamson', 'Zoë Adams Adler'])
    expect(two).toMatchObject({ cursor: null })
  })

  it('refuses a cursor it did not write', async () => {
    const relay = await fixture.relay()
    seed(relay, ['Ada'])
    const network = await searcher(relay.wsUrl)
    expect(await network.findPeople('ada', { cursor: 'somewhere', limit: 10 })).toEqual({ ok: false, reason: 'bad-query' })
  })

  it('refuses searches past the rate limit, without closing, and answers again once it refills', async () => {
    // 2 a second: one more every 500 ms, 3 at once.
    const relay = await fixture.relay({ limits: { searchesPerMinute: 120, searchBurst: 3 } })
    seed(relay, ['Ada'])
    const network = await searcher(relay.wsUrl)
    const burst = await Promise.all(Array.from({ length: 4 }, () => network.findPeople('ada', first)))
    expect(burst.map(page => page.ok ? 'ok' : page.reason)).toEqual(['ok', 'ok', 'ok', 'rate-limited'])
    await new Promise(resolve => setTimeout(resolve, 700))
    expect(namesOf(await network.findPeople('ada', first))).toEqual(['Ada'])
  })

  it('counts searches per user: a second connection of the same person brings no new allowance', async () => {
    const relay = await fixture.relay({ limits: { searchesPerMinute: 1, searchBurst: 2 } })
    seed(relay, ['Ada'])
    const identity = await createIdentity()
    const [one, two] = await Promise.all([searcher(relay.wsUrl, { identity }), searcher(relay.wsUrl, { identity })])
    expect((await one.findPeople('ada', first)).ok).toBe(true)
    expect((await two.findPeople('ada', first)).ok).toBe(true)
    expect(await two.findPeople('ada', first)).toEqual({ ok: false, reason: 'rate-limited' })
    expect(await one.findPeople('ada', first)).toEqual({ ok: false, reason: 'rate-limited' })
    // Someone else is not held back by her.
    expect((await (await searcher(relay.wsUrl)).findPeople('ada', first)).ok).toBe(true)
  })

  it('lists nobody without a query on a relay that finds by name only, and nobody at all on one that finds nobody', async () => {
    const searchOnly = await fixture.relay({ people: 'search' })
    seed(searchOnly, ['Ada'])
    const network = await searcher(searchOnly.wsUrl)
    expect(await network.findPeople('', first)).toEqual({ ok: false, reason: 'list-off' })
    expect(namesOf(await network.findPeople('ad', first))).toEqual(['Ada'])
    const off = await fixture.relay({ people: 'off' })
    seed(off, ['Ada'])
    const offNetwork = await searcher(off.wsUrl)
    expect(await offNetwork.findPeople('ad', first)).toEqual({ ok: false, reason: 'search-off' })
    expect(await offNetwork.findPeople('', first)).toEqual({ ok: false, reason: 'search-off' })
  })

  it('finds the same people after the relay restarts on its data directory', async () => {
    const dataDir = await fixture.tempDir()
    const before = await fixture.relay({ dataDir })
    seed(before, ['Ada Lovelace', 'Борис Петров'])
    await before.close()
    const after = await fixture.relay({ dataDir })
    const network = await searcher(after.wsUrl)
    expect(namesOf(await network.findPeople('', first))).toEqual(['Ada Lovelace', 'Борис Петров'])
    expect(namesOf(await network.findPeople('пет', first))).toEqual(['Борис Петров'])
  })

  it('closes a socket that sends a malformed search or an answer, and answers a query too long with bad-query', async () => {
    const relay = await fixture.relay()
    for (const frame of [encodeRawMuxFrame(MUX_FRAME_CODES.search, '', new Uint8Array([0xff])), encodeRawMuxFrame(MUX_FRAME_CODES.search, 'directory', new Uint8Array([1, 0, 0, 1])),
      encodeMuxFrame({ kind: 'people', answer: { id: 1, ok: true, people: [], cursor: null } })]) {
      const socket = await rawMuxSocket(relay.wsUrl)
      const closed = closeOf(socket)
      socket.send(frame)
      expect(await closed).toBe(CloseCode.badMessage)
    }
    const socket = await rawMuxSocket(relay.wsUrl)
    const answered = new Promise<Buffer>(resolve => socket.once('message', resolve))
    socket.send(encodeMuxFrame({ kind: 'search', query: { id: 5, query: 'a'.repeat(MAX_QUERY_LENGTH + 1), cursor: null, limit: 10 } }))
    expect(decodeMuxFrame(new Uint8Array(await answered))).toEqual({ kind: 'people', answer: { id: 5, ok: false, reason: 'bad-query' } })
    expect(socket.readyState).toBe(WebSocket.OPEN)
    // The network never sends one: it answers so itself.
    const network = await searcher(relay.wsUrl)
    expect(await network.findPeople('a'.repeat(MAX_QUERY_LENGTH + 1), first)).toEqual({ ok: false, reason: 'bad-query' })
    expect(await network.findPeople('a', { cursor: null, limit: 0 })).toEqual({ ok: false, reason: 'bad-query' })
  })
})

/**
 * A stand-in relay on a free port that accepts any mux socket and hands each search to `onSearch`
 * with a way to answer it (or not): for what the real relay never does.
 */
const standInRelay = async (onSearch: (query: PeopleQuery, reply: (answer: PeopleAnswer) => void, socket: WebSocket) => void): Promise<string> => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: protocols => parleyProtocolOf(protocols)?.protocol ?? false })
  fixture.defer(() => new Promise<void>(resolve => {
    for (const client of server.clients) client.terminate()
    server.close(() => resolve())
  }))
  await new Promise(resolve => server.once('listening', resolve))
  server.on('connection', socket => socket.on('message', (data: Buffer) => {
    const frame = decodeMuxFrame(new Uint8Array(data))
    if (typeof frame !== 'string' && frame.kind === 'search') {
      onSearch(frame.query, answer => socket.send(encodeMuxFrame({ kind: 'people', answer })), socket)
    }
  }))
  const { port } = server.address() as { port: number }
  return `ws://127.0.0.1:${port}`
}

describe("the mux network's searches", () => {
  it('resolves offline at once when no socket is open', async () => {
    const network = muxNetwork({ url: 'ws://127.0.0.1:9', identity: await createIdentity(), WebSocket })
    const started = Date.now()
    expect(await network.findPeople('ada', first)).toEqual({ ok: false, reason: 'offline' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('takes the answer of its own id, ignoring others', async () => {
    const url = await standInRelay((query, reply) => {
      reply({ id: query.id + 1000, ok: false, reason: 'rate-limited' })
      reply({ id: query.id, ok: true, people: [{ name: query.query }], cursor: 'next' })
    })
    const network = await searcher(url)
    const [ada, bob] = await Promise.all([network.findPeople('ada', first), network.findPeople('bob', first)])
    expect(ada).toEqual({ ok: true, people: [{ name: 'ada' }], cursor: 'next' })
    expect(bob).toEqual({ ok: true, people: [{ name: 'bob' }], cursor: 'next' })
  })

  it('resolves offline when the socket closes before the answer, or the answer is too late', async () => {
    const url = await standInRelay((query, reply, socket) => {
      if (query.query === 'close') socket.close()
      if (query.query === 'late') setTimeout(() => reply({ id: query.id, ok: true, people: [], cursor: null }), 1500)
    })
    const network = await searcher(url)
    let started = Date.now()
    expect(await network.findPeople('close', first)).toEqual({ ok: false, reason: 'offline' })
    expect(Date.now() - started).toBeLessThan(2000)
    const impatient = await searcher(url, { searchTimeoutMs: 200 })
    started = Date.now()
    expect(await impatient.findPeople('late', first)).toEqual({ ok: false, reason: 'offline' })
    expect(Date.now() - started).toBeLessThan(1200)
  })
})
