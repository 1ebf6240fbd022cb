// The relay's caps: connections per address, rooms per user, send rates, slow readers; each refusal is clear and costs nobody else.
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import NodeWebSocket from 'ws'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import { createIdentity } from '../shared/identity'
import { CloseCode, MUX_PATH, MessageType, bucketRoom, directConversation, userRoom, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import { bucketMessages } from '../shared/schema'
import { muxNetwork } from '../client/network/mux-network'
import { signMessage } from '../shared/message-signature'
import { randomId } from '../shared/ids'
import { after, mapEntry, run } from './hand-updates'
import { Fixture, authenticatedSocket, readMuxRefusal, contents, readMarksUpdate, sendConfirmed, updateFrame, waitFor } from './helpers'
import type { Identity } from '../shared/identity'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

const opened = async (socket: WebSocket): Promise<WebSocket> => {
  fixture.defer(() => socket.terminate())
  socket.on('error', () => {})
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('unexpected-response', (_, response) => reject(new Error(`HTTP ${response.statusCode}`))) })
  return socket
}

/** Permission-denied reasons a raw mux socket receives, by room. */
const refusalsOf = (socket: WebSocket): Map<string, string> => {
  const refusals = new Map<string, string>()
  socket.on('message', (data: Buffer) => {
    const { room, refusal } = readMuxRefusal(data)
    if (refusal !== null) refusals.set(room, refusal)
  })
  return refusals
}

/** A raw mux socket of `identity`, in the user's own room once the relay has answered the join. */
const ownRoomSocket = async (wsUrl: string, identity: Identity): Promise<WebSocket> => {
  const socket = await opened(await authenticatedSocket(wsUrl, MUX_PATH, identity))
  const joined = new Promise(resolve => socket.once('message', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room: userRoom(identity.user_id) }))
  await joined
  return socket
}

/** How many read marks the relay's copy of `user_id`'s own room holds now. */
const readMarksHeld = async (relay: Awaited<ReturnType<Fixture['relay']>>, user_id: string): Promise<number> => {
  const reader = { send: () => {}, awarenessClients: new Set<number>(), user_id: '', revoke: () => {} }
  const room = await relay.registry.join(userRoom(user_id), reader)
  relay.registry.leave(room, reader)
  return room.doc.getMap('reads').size
}

/** Log lines of the relay that name `user_id` and `event`. */
const linesOf = (relay: { log: string[] }, event: string, user_id: string): string[] =>
  relay.log.filter(line => line.includes(event) && line.includes(user_id))
/** A raw TCP connection to the relay and what it was answered; `closed` resolves (never rejects) when it ends. */
interface RawConnection {
  socket: Socket
  /** What the relay sent, as text. */
  reply(): string
  readonly closed: Promise<void>
  /** Whether the relay has ended it (or it failed). */
  isClosed(): boolean
}

/**
 * Opens a TCP connection from `localAddress` and, unless `silent`, starts an upgrade request whose
 * headers never end: one more byte every 100 ms (bounded: it stops when the socket closes, or after 600 bytes).
 */
const trickle = (fixture: Fixture, relay: { port: number }, localAddress: string, { silent = false } = {}): Promise<RawConnection> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port: relay.port, host: '127.0.0.1', localAddress })
    let reply = ''
    let ended = false
    let ticks = 0
    let timer: ReturnType<typeof setInterval> | null = null
    const closed = new Promise<void>(done => socket.once('close', () => {
      ended = true
      if (timer) clearInterval(timer)
      done()
    }))
    fixture.defer(() => { socket.destroy() })
    socket.on('data', chunk => { reply += chunk.toString('latin1') })
    socket.on('error', () => {})
    socket.once('connect', () => {
      if (!silent) {
        socket.write(`GET /${MUX_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${relay.port}\r\nX-Slow: `)
        timer = setInterval(() => { if (++ticks > 600) clearInterval(timer!); else socket.write('a') }, 100)
      }
      resolve({ socket, reply: () => reply, closed, isClosed: () => ended })
    })
    socket.once('error', reject)
  })

/** Resolves after `ms`. */
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('limits', () => {
  it('refuses connections beyond the cap per address with HTTP 429, before any work', async () => {
    const relay = await fixture.relay({ limits: { connectionsPerAddress: 3 } })
    const identity = await createIdentity()
    for (let i = 0; i < 3; i++) await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, identity))
    await expect(opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, identity))).rejects.toThrow('HTTP 429')
    expect(relay.log.some(line => line.includes('too-many-connections'))).toBe(true)
  })

  it('counts connections still sending their headers against the cap per address, and someone from elsewhere still connects and syncs', async () => {
    const relay = await fixture.relay({ limits: { connectionsPerAddress: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 } })
    const held = await Promise.all([1, 2, 3].map(() => trickle(fixture, relay, '127.0.0.1')))
    // Past the cap, refused at once with a status, twice, and logged once.
    for (let i = 0; i < 2; i++) {
      const refused = await trickle(fixture, relay, '127.0.0.1')
      await waitFor('the refusal', () => refused.isClosed(), 2000)
      expect(refused.reply()).toMatch(/^HTTP\/1\.1 429 /)
    }
    expect(relay.log.filter(line => line.includes('too-many-connections'))).toHaveLength(1)
    // A slow sender's own next WebSocket is refused too: the slow ones count.
    await expect(opened(await authenticatedSocket(relay.wsUrl, MUX_PATH))).rejects.toThrow('HTTP 429')
    // People behind other addresses are not held up by them.
    const ada = await fixture.client(relay, 'Ada', { localAddress: '127.0.0.2' })
    const bob = await fixture.client(relay, 'Bob', { localAddress: '127.0.0.3' })
    const [adaSide, bobSide] = await Promise.all([ada.openDirect(bob.me.user_id), bob.openDirect(ada.me.user_id)])
    await sendConfirmed(adaSide, ['through the trickle'])
    await waitFor('Bob gets it', async () => (await contents(bobSide)).includes('through the trickle'))
    expect(held.every(connection => !connection.isClosed())).toBe(true)
  })

  it('caps connections whose request has not arrived, per address and in all, and frees a place when one goes', async () => {
    const relay = await fixture.relay({ limits: { pendingPerAddress: 2, pendingConnections: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 } })
    const first = await Promise.all([trickle(fixture, relay, '127.0.0.1'), trickle(fixture, relay, '127.0.0.1')])
    const fromFirst = await trickle(fixture, relay, '127.0.0.1')
    await waitFor('the third from one address refused', () => fromFirst.isClosed(), 2000)
    expect(fromFirst.reply()).toMatch(/^HTTP\/1\.1 429 /)
    const other = await trickle(fixture, relay, '127.0.0.3')
    const beyond = await trickle(fixture, relay, '127.0.0.4')
    await waitFor('the fourth in all refused', () => beyond.isClosed(), 2000)
    expect(beyond.reply()).toMatch(/^HTTP\/1\.1 503 /)
    expect(relay.log.filter(line => line.includes('too-many-pending')).length).toBeGreaterThanOrEqual(1)
    // Upgraded connections are not pending: once a slow one goes, a WebSocket gets its place and keeps it.
    first[0]!.socket.destroy()
    await first[0]!.closed
    const honest = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH))
    const later = await trickle(fixture, relay, '127.0.0.5')
    await sleep(300)
    expect(later.isClosed()).toBe(false)
    expect(honest.readyState).toBe(honest.OPEN)
    expect(other.isClosed()).toBe(false)
  })

  it('closes a connection that sends nothing, and one whose headers do not end, after their timeouts; upgraded ones stay', async () => {
    const relay = await fixture.relay({ limits: { firstByteTimeoutMs: 300, headersTimeoutMs: 800, requestTimeoutMs: 1000 } })
    const honest = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH))
    const started = Date.now()
    const [silent, slow] = await Promise.all([trickle(fixture, relay, '127.0.0.1', { silent: true }), trickle(fixture, relay, '127.0.0.1')])
    await waitFor('the silent one closed', () => silent.isClosed(), 3000)
    const silentAfter = Date.now() - started
    await waitFor('the slow one closed', () => slow.isClosed(), 3000)
    const slowAfter = Date.now() - started
    expect(silentAfter).toBeGreaterThanOrEqual(250)
    expect(silentAfter).toBeLessThan(750)
    expect(slowAfter).toBeGreaterThanOrEqual(750)
    expect(slowAfter).toBeLessThan(2500)
    expect(slow.reply()).toMatch(/^HTTP\/1\.1 408 /)
    await sleep(300)
    expect(honest.readyState).toBe(honest.OPEN)
    expect(relay.log.filter(line => line.includes('silent-connection'))).toHaveLength(1)
  })

  it('refuses rooms beyond the cap per user, over all their sockets, and counts rooms left', async () => {
    const relay = await fixture.relay({ limits: { roomsPerUser: 2 } })
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const first = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, ada))
    const second = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, ada))
    const refusals = refusalsOf(second)
    const conversation = directConversation(ada.user_id, bob.user_id)
    first.send(encodeMuxFrame({ kind: 'join', room: userRoom(ada.user_id) }))
    second.send(encodeMuxFrame({ kind: 'join', room: bucketRoom(conversation, 0) }))
    second.send(encodeMuxFrame({ kind: 'join', room: bucketRoom(conversation, 1) }))
    await waitFor('the third room refused', () => refusals.get(bucketRoom(conversation, 1)) === 'too-many-rooms')
    expect(refusals.has(bucketRoom(conversation, 0))).toBe(false)
    // Leaving one makes room for another.
    first.send(encodeMuxFrame({ kind: 'leave', room: userRoom(ada.user_id) }))
    second.send(encodeMuxFrame({ kind: 'join', room: bucketRoom(conversation, 2) }))
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(refusals.has(bucketRoom(conversation, 2))).toBe(false)
  })

  it('slows a flooding connection down instead of letting it starve others: every update still arrives, nobody is closed', async () => {
    const relay = await fixture.relay({ limits: { messagesPerSecond: 100, cpuMsPerSecond: 1000 } })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const [adaSide, bobSide] = await Promise.all([ada.openDirect(bob.me.user_id), bob.openDirect(ada.me.user_id)])
    // A hand-made client of Carol floods her own room with 1,000 updates (6 s beyond her burst of 400).
    const carol = await createIdentity()
    const flood = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, carol))
    const room = userRoom(carol.user_id)
    const joined = new Promise(resolve => flood.once('message', resolve))
    flood.send(encodeMuxFrame({ kind: 'join', room }))
    await joined
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => flood.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => { encoding.writeVarUint(encoder, 2); encoding.writeVarUint8Array(encoder, update) }) })))
    for (let i = 0; i < 1000; i++) doc.getMap('reads').set(`dm/${'A'.repeat(22)}/${'B'.repeat(22)}`, { counts: { [carol.user_id]: i } })
    await sendConfirmed(adaSide, ['still fast'])
    await waitFor('Bob gets it', async () => (await contents(bobSide)).includes('still fast'))
    // The flood was held back, not dropped: the relay ends up with all of it.
    const reader = { send: () => {}, awarenessClients: new Set<number>(), user_id: '', revoke: () => {} }
    await waitFor('all 1,000 applied', async () => {
      const loaded = await relay.registry.join(room, reader)
      relay.registry.leave(loaded, reader)
      return Y.getState(loaded.doc.store, doc.clientID) === 1000
    }, 20_000)
    expect(flood.readyState).toBe(flood.OPEN)
    expect(relay.log.filter(line => line.includes('connection-throttled'))).toHaveLength(1)
  })

  it('drops a reader that lets its buffer grow past the cap (4508), and nobody else', async () => {
    const relay = await fixture.relay({ limits: { maxBufferedBytes: 256 * 1024 } })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const [adaSide, bobSide] = await Promise.all([ada.openDirect(bob.me.user_id), bob.openDirect(ada.me.user_id)])
    // A bucket of ~3 MB, written in one update by Ada's own hand-held replica.
    const conversation = directConversation(ada.me.user_id, bob.me.user_id)
    const room = bucketRoom(conversation, 1)
    const network = muxNetwork({ url: relay.wsUrl, identity: ada.me, WebSocket: NodeWebSocket })
    const doc = new Y.Doc()
    const link = network.connect(room, doc)
    fixture.defer(() => { link.destroy(); doc.destroy() })
    await link.whenSynced(5000)
    const now = new Date().toISOString()
    const messages = await Promise.all(Array.from({ length: 750 }, async () => {
      const fields = { message_id: randomId(), sender_id: ada.me.user_id, receiver_id: bob.me.user_id, group_id: null, content: 'x'.repeat(4000), created_at: now, updated_at: now, deleted_at: null }
      return { ...fields, signature: await signMessage(ada.me, fields) }
    }))
    doc.transact(() => { for (const message of messages) bucketMessages(doc).set(message.message_id, message) })
    await waitFor('the relay has the big bucket', () => link.acknowledged(doc.clientID) >= 750, 20_000)

    // Bob's second device stops reading and asks for the bucket again and again.
    const slow = await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, bob.me))
    const closed = new Promise<number>(resolve => slow.once('close', code => resolve(code)))
    slow.pause()
    slow.send(encodeMuxFrame({ kind: 'join', room }))
    for (let i = 0; i < 8; i++) {
      slow.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => {
        encoding.writeVarUint(encoder, 0)
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()))
      }) }))
    }
    await waitFor('the slow reader is dropped', () => relay.log.some(line => line.includes('too slow to keep up')), 20_000)
    slow.resume()
    expect(await closed).not.toBe(1000)
    await sendConfirmed(adaSide, ['still here'])
    await waitFor('Bob still gets messages', async () => (await contents(bobSide)).includes('still here'))
    expect(CloseCode.tooSlow).toBe(4508)
  })

  it('refuses connections beyond the cap per user with HTTP 429, before the handshake, and counts those closed', async () => {
    const relay = await fixture.relay({ limits: { connectionsPerUser: 3 } })
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const sockets: WebSocket[] = []
    for (let i = 0; i < 3; i++) sockets.push(await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, ada)))
    await expect(opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, ada))).rejects.toThrow('HTTP 429')
    expect(linesOf(relay, 'too-many-connections-for-user', ada.user_id)).toHaveLength(1)
    // Someone else is not counted with her, and a connection closed makes room for another.
    await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, bob))
    const closed = new Promise(resolve => sockets[0]!.once('close', resolve))
    sockets[0]!.close()
    await closed
    await waitFor('her slot freed', async () => {
      try {
        await opened(await authenticatedSocket(relay.wsUrl, MUX_PATH, ada))
        return true
      } catch { return false }
    })
  })

  it('holds all of one user\'s connections to one CPU budget: 13 sockets get through what one would, and honest messages still arrive', async () => {
    // 10 ms of work a second for each user, bursts of 40 ms.
    const relay = await fixture.relay({ limits: { cpuMsPerSecond: 10 } })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const [adaSide, bobSide] = await Promise.all([ada.openDirect(bob.me.user_id), bob.openDirect(ada.me.user_id)])
    const mallory = await createIdentity()
    const sockets = await Promise.all(Array.from({ length: 13 }, () => ownRoomSocket(relay.wsUrl, mallory)))
    // Each socket sends one update of 12 read marks (300 KB, ~20–40 ms of the relay's time):
    // each within what a socket alone may spend at once, 13 of them several times her burst.
    const MARKS = 12
    const room = userRoom(mallory.user_id)
    for (const socket of sockets) socket.send(updateFrame(room, readMarksUpdate(MARKS)))
    await sendConfirmed(adaSide, ['still fast'])
    await waitFor('Bob gets it', async () => (await contents(bobSide)).includes('still fast'))
    // At 10 ms a second, what a few seconds bring lets a handful of her updates in, not 13:
    // the others wait, unread, and nobody is closed.
    expect((await readMarksHeld(relay, mallory.user_id)) / MARKS).toBeLessThan(13)
    expect(sockets.every(socket => socket.readyState === socket.OPEN)).toBe(true)
    expect(linesOf(relay, 'user-throttled', mallory.user_id)).toHaveLength(1)
    expect(linesOf(relay, 'user-throttled', ada.me.user_id)).toEqual([])
  })

  it('shares the relay\'s CPU among users: many, each within its own budget, are held back while light users go on', async () => {
    // The relay gives its users' updates 50 ms of work a second; each user alone may have 100.
    const relay = await fixture.relay({ limits: { relayCpuMsPerSecond: 50 } })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const [adaSide, bobSide] = await Promise.all([ada.openDirect(bob.me.user_id), bob.openDirect(ada.me.user_id)])
    const hostile = await Promise.all(Array.from({ length: 8 }, () => createIdentity()))
    const sockets = await Promise.all(hostile.map(identity => ownRoomSocket(relay.wsUrl, identity)))
    // 8 users send 6 updates each (~20–40 ms of work each): each user within their own burst of
    // 400 ms, together several seconds of the relay's 50 ms a second.
    const MARKS = 12
    const UPDATES = 6
    hostile.forEach((identity, i) => {
      for (let n = 0; n < UPDATES; n++) sockets[i]!.send(updateFrame(userRoom(identity.user_id), readMarksUpdate(MARKS)))
    })
    await sendConfirmed(adaSide, ['still fast'])
    await waitFor('Bob gets it', async () => (await contents(bobSide)).includes('still fast'))
    const applied = (await Promise.all(hostile.map(identity => readMarksHeld(relay, identity.user_id)))).reduce((sum, marks) => sum + marks / MARKS, 0)
    expect(applied).toBeLessThan(hostile.length * UPDATES)
    expect(hostile.filter(identity => linesOf(relay, 'user-throttled', identity.user_id).length > 0).length).toBeGreaterThan(0)
    expect(sockets.every(socket => socket.readyState === socket.OPEN)).toBe(true)
    // The light users were never held back.
    expect(linesOf(relay, 'user-throttled', ada.me.user_id)).toEqual([])
    expect(linesOf(relay, 'user-throttled', bob.me.user_id)).toEqual([])
  })

  it('refuses, before any work, a frame that would cost more than the user may ever spend at once (4429)', async () => {
    // 1 ms a second, bursts of 4 ms: a 300 KB update is estimated at more than that.
    const relay = await fixture.relay({ limits: { cpuMsPerSecond: 1 } })
    const mallory = await createIdentity()
    const socket = await ownRoomSocket(relay.wsUrl, mallory)
    const closed = new Promise<{ code: number; reason: string }>(resolve => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    socket.send(updateFrame(userRoom(mallory.user_id), readMarksUpdate(12)))
    const applied = waitFor('the update applied', async () => (await readMarksHeld(relay, mallory.user_id)) > 0 && 'applied', 10_000)
    expect(await Promise.race([closed, applied])).toEqual({ code: CloseCode.rateLimited, reason: 'too-costly' })
    expect(await readMarksHeld(relay, mallory.user_id)).toBe(0)
  })

  it('refuses a frame of 50,000 tiny chained items from its headers, before Yjs or any other work, and honest messages go on', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    const mallory = await createIdentity()
    const socket = await ownRoomSocket(relay.wsUrl, mallory)
    const refusals = refusalsOf(socket)
    // Two clients' items, each placed after the other's previous one (765 KB): judged by reading
    // neighbours out of the update, this took the relay's earlier inspector about ten seconds.
    const half = 25_000
    const [a, b] = [1001, 1002]
    const chain = encoding.encode(e => {
      encoding.writeVarUint(e, 2)
      run(e, half, a, 0)
      mapEntry(e, 'reads', 'k', 0)
      for (let i = 1; i < half; i++) after(e, b, i - 1, i)
      run(e, half, b, 0)
      for (let i = 0; i < half; i++) after(e, a, i, i)
      encoding.writeVarUint(e, 0)
    })
    socket.send(updateFrame(userRoom(mallory.user_id), chain))
    await sendConfirmed(adaSide, ['right after it'])
    await waitFor('Bob gets it', async () => (await contents(bobSide)).includes('right after it'))
    await waitFor('the chain refused', () => refusals.get(userRoom(mallory.user_id)))
    expect(refusals.get(userRoom(mallory.user_id))).toBe('rejected-update:too-many-structs')
  })
})
