// Sockets that stop reading, or stop answering at all, are dropped in time and what the relay held for them is let go.
import { afterEach, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { connectProtocols, createConnectToken } from '../shared/connect-token'
import { createIdentity, type Identity } from '../shared/identity'
import { MUX_PATH, MessageType, userRoom, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import { MemoryStore } from '../relay/storage/memory-store'
import { Fixture, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** Bytes of the room the readers ask for: more than the kernel's buffers take in (4 MB to send, ~128 KB to receive). */
const ROOM_BYTES = 10 * 1024 * 1024

/** A relay whose `user`'s own room already holds ~10 MB (seeded into its store: how it got there does not matter here). */
const relayWithBigRoom = async (user: Identity, limits: Parameters<Fixture['relay']>[0] = {}) => {
  const doc = new Y.Doc()
  doc.transact(() => { for (let i = 0; i < ROOM_BYTES / (1024 * 1024); i++) doc.getMap('reads').set(`big/${i}`, 'x'.repeat(1024 * 1024)) })
  const store = new MemoryStore(new Map([[userRoom(user.user_id), Y.encodeStateAsUpdate(doc)]]))
  doc.destroy()
  return fixture.relay({ store, ...limits })
}

/** Mux frames joining the user's room and asking for all of it (sync step 1 with an empty state vector). */
const askForRoom = (user: Identity): Uint8Array[] => {
  const room = userRoom(user.user_id)
  return [
    encodeMuxFrame({ kind: 'join', room }),
    encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => {
      encoding.writeVarUint(encoder, 0)
      encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()))
    }) })
  ]
}

/** A client's frame: binary, masked as RFC 6455 requires of clients. */
const maskedFrame = (payload: Uint8Array): Buffer => {
  const length = payload.byteLength
  const header = length < 126 ? Buffer.from([0x82, 0x80 | length]) : Buffer.from([0x82, 0x80 | 126, length >> 8, length & 0xff])
  if (length >= 0x10000) throw new Error('frame too long for this helper')
  const mask = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))
  return Buffer.concat([header, mask, masked])
}

/**
 * A node:net socket that does the WebSocket upgrade to /mux by hand, as `user`, sends `frames`
 * and then never reads again: the relay's answers stay in the kernel's buffers, then in its own.
 */
const neverReadingSocket = async (wsUrl: string, user: Identity, frames: Uint8Array[]): Promise<Socket> => {
  const url = new URL(`${wsUrl}/${MUX_PATH}`)
  const token = await createConnectToken(user, url.href)
  const socket = connect(Number(url.port), url.hostname)
  fixture.defer(() => { socket.destroy() })
  socket.on('error', () => {})
  await new Promise(resolve => socket.once('connect', resolve))
  socket.write([
    `GET /${MUX_PATH} HTTP/1.1`, `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${connectProtocols(token).join(', ')}`, '', ''
  ].join('\r\n'))
  // Reads the handshake's answer, and not one byte more is asked of the kernel.
  const answer = await new Promise<string>((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (!text.includes('\r\n\r\n')) return
      socket.pause()
      socket.off('data', onData)
      resolve(text)
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error('closed during the handshake')))
  })
  if (!answer.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${answer.split('\r\n')[0]}`)
  for (const frame of frames) socket.write(maskedFrame(frame))
  return socket
}

/** A ws client of `user` on /mux, open. */
const openSocket = async (wsUrl: string, user: Identity, options: WebSocket.ClientOptions = {}): Promise<WebSocket> => {
  const url = `${wsUrl}/${MUX_PATH}`
  const socket = new WebSocket(url, connectProtocols(await createConnectToken(user, url)), options)
  fixture.defer(() => socket.terminate())
  socket.on('error', () => {})
  await new Promise(resolve => socket.once('open', resolve))
  return socket
}

describe('slow and silent readers', () => {
  it('drops sockets that never read within the send timeout, whatever their buffer, and keeps a reader that reads', async () => {
    const reader = await createIdentity()
    // No byte cap to speak of: only the time limit can drop them.
    const relay = await relayWithBigRoom(reader, { limits: { maxBufferedBytes: 1024 * 1024 * 1024, sendTimeoutMs: 1000 } })
    // The same person on a device that reads: it gets the whole room, and stays.
    const honest = await openSocket(relay.wsUrl, reader)
    const received = new Promise(resolve => honest.on('message', (data: Buffer) => { if (data.length > ROOM_BYTES) resolve(data.length) }))
    for (const frame of askForRoom(reader)) honest.send(frame)
    await received

    // Six sockets of that person ask for the room twice each and never read.
    const READERS = 6
    const asks = askForRoom(reader)
    const stalled = await Promise.all(Array.from({ length: READERS }, () => neverReadingSocket(relay.wsUrl, reader, [...asks, asks[1]!])))
    await waitFor('every reader that never reads dropped', () => relay.connectionCount() === 1, 15_000)
    expect(relay.log.filter(line => line.includes('send-timeout'))).toHaveLength(READERS)
    // What was queued for them is let go: the relay's own count of unsent bytes is back to nothing.
    expect(relay.unsentBytes()).toBe(0)
    // Each one sees its connection end once it reads again.
    await Promise.all(stalled.map(socket => new Promise(resolve => {
      socket.once('close', resolve)
      socket.resume()
    })))
    expect(honest.readyState).toBe(WebSocket.OPEN)
  })

  it('drops a socket whose unsent data passes the byte cap even when nothing more is sent to it (4508)', async () => {
    const reader = await createIdentity()
    const relay = await relayWithBigRoom(reader, { limits: { maxBufferedBytes: 1024 * 1024 } })
    // ws clients that stop reading: one ask each, a single 10 MB answer and nothing after it.
    const stalled = await Promise.all([0, 1].map(() => openSocket(relay.wsUrl, reader)))
    const closes = stalled.map(socket => new Promise<number>(resolve => socket.once('close', code => resolve(code))))
    for (const socket of stalled) {
      (socket as unknown as { _socket: Socket })._socket.pause()
      for (const frame of askForRoom(reader)) socket.send(frame)
    }
    await waitFor('both dropped', () => relay.connectionCount() === 0, 15_000)
    expect(relay.log.filter(line => line.includes('too slow to keep up'))).toHaveLength(2)
    expect(relay.unsentBytes()).toBe(0)
    for (const socket of stalled) (socket as unknown as { _socket: Socket })._socket.resume()
    // Dropped, not closed politely: the close frame could not get past the unread data.
    for (const code of await Promise.all(closes)) expect(code).not.toBe(1000)
  })

  it('pings quiet connections and terminates one that does not answer', async () => {
    const relay = await fixture.relay({ limits: { pingIntervalMs: 200, pingTimeoutMs: 400 } })
    const [quiet, deaf] = await Promise.all([createIdentity(), createIdentity()])
    // A client that says nothing but answers pings (ws does, as browsers do), and one that does not.
    const answering = await openSocket(relay.wsUrl, quiet)
    const silent = await openSocket(relay.wsUrl, deaf, { autoPong: false })
    let pings = 0
    answering.on('ping', () => { pings++ })
    const terminated = new Promise<number>(resolve => silent.once('close', code => resolve(code)))
    await waitFor('the one that does not answer terminated', () => silent.readyState === WebSocket.CLOSED, 10_000)
    expect(await terminated).toBe(1006)
    await waitFor('three pings answered', () => pings >= 3, 10_000)
    expect(answering.readyState).toBe(WebSocket.OPEN)
    expect(relay.log.filter(line => line.includes('connection-silent') && line.includes(deaf.user_id))).toHaveLength(1)
    expect(relay.connectionCount()).toBe(1)
  })

  it('keeps a connection it paused for its budget, though its answers to pings wait unread meanwhile', async () => {
    // 2 messages a second, bursts of 8: 12 messages pause the socket twice, half a second each,
    // longer than a ping's interval and timeout together.
    const relay = await fixture.relay({ limits: { messagesPerSecond: 2, pingIntervalMs: 100, pingTimeoutMs: 100 } })
    const user = await createIdentity()
    const socket = await openSocket(relay.wsUrl, user)
    let received = 0
    socket.on('message', () => { received++ })
    const room = userRoom(user.user_id)
    socket.send(encodeMuxFrame({ kind: 'join', room }))
    // Each presence query is answered with the room's presence.
    for (let i = 0; i < 12; i++) socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.queryAwareness, () => {}) }))
    await waitFor('every query answered', () => received >= 1 + 12, 10_000)
    expect(relay.log.filter(line => line.includes('connection-throttled'))).toHaveLength(1)
    expect(relay.log.filter(line => line.includes('connection-silent'))).toEqual([])
    expect(socket.readyState).toBe(WebSocket.OPEN)
  })
})
