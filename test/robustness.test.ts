// Bad input closes only the socket that sent it: the relay stays up and honest clients keep syncing.
import { mkdir, writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectProtocols, createConnectToken } from '../shared/connect-token'
import { createIdentity } from '../shared/identity'
import { randomId } from '../shared/ids'
import { CloseCode, MUX_PATH, V1_DIRECTORY_ROOM, encodeMuxFrame, encodeRawMuxFrame, profileRoom } from '../shared/protocol'
import { Fixture, authenticatedSocket, contents, waitFor } from './helpers'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

const MAX_FRAME = 64 * 1024

/** A room every signed-in user may join: someone's profile. */
const PROFILE_ROOM = profileRoom(randomId())

/** A raw ws client to a room; resolves once open. */
const openSocket = async (wsUrl: string, room = PROFILE_ROOM): Promise<WebSocket> => {
  const socket = await authenticatedSocket(wsUrl, room)
  socket.on('error', () => {})
  fixture.defer(() => socket.terminate())
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('unexpected-response', reject) })
  return socket
}

const closeOf = (socket: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise(resolve => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))

/** A TCP socket that has completed a WebSocket handshake by hand, to send frames ws would never send. */
const handshakeByHand = async (port: number, room = PROFILE_ROOM): Promise<Socket> => {
  const socket = connect(port, '127.0.0.1')
  fixture.defer(() => { socket.destroy() })
  await new Promise(resolve => socket.once('connect', resolve))
  const host = `127.0.0.1:${port}`
  const token = await createConnectToken(await createIdentity(), `ws://${host}/${room}`)
  socket.write(`GET /${room} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Protocol: ${connectProtocols(token).join(', ')}\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  await new Promise<void>(resolve => socket.once('data', chunk => {
    expect(chunk.toString()).toMatch(/^HTTP\/1.1 101/)
    resolve()
  }))
  return socket
}

/** A masked client frame with the given first byte (FIN, RSV bits, opcode) and a small payload. */
const rawFrame = (firstByte: number, payload: Buffer): Buffer => {
  const mask = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked])
}

/** Two honest clients in a direct conversation, and a check that they still talk. */
const honestPair = async (relay: { wsUrl: string }) => {
  const ada = await fixture.client(relay, 'Ada')
  const bob = await fixture.client(relay, 'Bob')
  const adaSide = await ada.openDirect(bob.me.user_id)
  const bobSide = await bob.openDirect(ada.me.user_id)
  let round = 0
  return {
    ada,
    stillTalking: async () => {
      const text = `still here ${round++}`
      await adaSide.send(text)
      await waitFor(`Bob receives "${text}"`, async () => (await contents(bobSide)).includes(text))
    }
  }
}

describe('hostile and broken input', () => {
  it('closes a socket that sends garbage, truncated or Yjs-rejected messages with 4400, and only that socket', async () => {
    const relay = await fixture.relay({ limits: { maxFrameBytes: MAX_FRAME } })
    const { stillTalking } = await honestPair(relay)
    const badMessages: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array()],
      ['unknown type', new Uint8Array([9, 1, 2])],
      ['truncated sync', new Uint8Array([0])],
      ['sync step 2 with a garbage update', new Uint8Array([0, 1, 5, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['update claiming a huge length', new Uint8Array([0, 2, 0xff, 0xff, 0xff, 0x0f, 1])],
      ['awareness garbage', new Uint8Array([1, 3, 1, 2, 3])]
    ]
    for (const [what, message] of badMessages) {
      const socket = await openSocket(relay.wsUrl)
      const closed = closeOf(socket)
      socket.send(message)
      expect((await closed).code, what).toBe(CloseCode.badMessage)
      await stillTalking()
    }
    // Random garbage, bounded: 40 frames of up to 64 random bytes.
    for (let i = 0; i < 40; i++) {
      const socket = await openSocket(relay.wsUrl)
      const closed = closeOf(socket)
      socket.send(randomBytes(1 + (i * 7) % 64))
      socket.close()
      await closed
    }
    await stillTalking()
    expect(relay.health.ok).toBe(true)
  })

  it('closes a socket that sends a text frame with 1003', async () => {
    const relay = await fixture.relay()
    const { stillTalking } = await honestPair(relay)
    const socket = await openSocket(relay.wsUrl)
    const closed = closeOf(socket)
    socket.send('hello?')
    expect((await closed).code).toBe(CloseCode.unsupportedData)
    await stillTalking()
  })

  it('closes a socket that sends an oversized frame with 1009', async () => {
    const relay = await fixture.relay({ limits: { maxFrameBytes: MAX_FRAME } })
    const { stillTalking } = await honestPair(relay)
    const socket = await openSocket(relay.wsUrl)
    const closed = closeOf(socket)
    socket.send(new Uint8Array(MAX_FRAME + 1))
    expect((await closed).code).toBe(CloseCode.messageTooBig)
    await stillTalking()
  })

  it('survives a frame with reserved bits set (which kills the stock server) and closes it with 1002', async () => {
    const relay = await fixture.relay()
    const { stillTalking } = await honestPair(relay)
    for (const firstByte of [0xc2, 0xa2, 0x92]) { // FIN + RSV1, RSV2 or RSV3 + binary opcode
      const socket = await handshakeByHand(relay.port)
      const reply = new Promise<Buffer>(resolve => socket.once('data', resolve))
      const ended = new Promise(resolve => socket.once('close', resolve))
      socket.write(rawFrame(firstByte, Buffer.from([0, 0, 1, 0])))
      const frame = await reply
      expect(frame[0]! & 0x0f).toBe(0x8) // a close frame
      expect(frame.readUInt16BE(2)).toBe(CloseCode.protocolError)
      await ended
      await stillTalking()
    }
    expect(relay.log.some(line => line.includes('socket-error'))).toBe(true)
  })

  it('closes a mux socket that sends a bad frame with 4400, and only that socket', async () => {
    const relay = await fixture.relay()
    const { stillTalking } = await honestPair(relay)
    const frames: Array<[string, Uint8Array]> = [
      ['truncated', new Uint8Array([0])],
      ['join of a room that does not exist', encodeMuxFrame({ kind: 'join', room: 'nowhere' })],
      ['join of protocol v1\'s directory', encodeMuxFrame({ kind: 'join', room: V1_DIRECTORY_ROOM })],
      ['message for a room not joined', encodeMuxFrame({ kind: 'message', room: PROFILE_ROOM, payload: new Uint8Array([0, 0, 0]) })],
      ['unknown kind', encodeRawMuxFrame(7, PROFILE_ROOM)]
    ]
    for (const [what, frame] of frames) {
      const socket = await openSocket(relay.wsUrl, MUX_PATH)
      const closed = closeOf(socket)
      socket.send(frame)
      expect((await closed).code, what).toBe(CloseCode.badMessage)
      await stillTalking()
    }
    // A garbage message inside a joined room closes the whole mux socket too.
    const socket = await openSocket(relay.wsUrl, MUX_PATH)
    const closed = closeOf(socket)
    socket.send(encodeMuxFrame({ kind: 'join', room: PROFILE_ROOM }))
    socket.send(encodeMuxFrame({ kind: 'message', room: PROFILE_ROOM, payload: new Uint8Array([0, 2, 5, 0xff, 0xff, 0xff, 0xff, 0xff]) }))
    expect((await closed).code).toBe(CloseCode.badMessage)
    await stillTalking()
  })

  it('refuses a WebSocket to a room that does not exist, before accepting it', async () => {
    const relay = await fixture.relay()
    for (const path of ['/nowhere', '/dm/not-an-id/x', '/group', `/${V1_DIRECTORY_ROOM}`, '/directory/0', '/profile/not-an-id', '/%E0%A4%A']) {
      const socket = new WebSocket(relay.wsUrl + path)
      const status = await new Promise<number>(resolve => {
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
        socket.on('error', () => resolve(-1))
      })
      expect(status, path).toBe(404)
    }
    expect(relay.registry.size).toBe(0)
  })

  it('serves the built app: the page revalidated, hashed assets cached for good, all loadable from other sites', async () => {
    const staticDir = await fixture.tempDir()
    await mkdir(join(staticDir, 'assets'))
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Parley</title>')
    await writeFile(join(staticDir, 'assets', 'app-1234.js'), 'export {}')
    await writeFile(join(staticDir, 'parley-chat.js'), 'export {}')
    const relay = await fixture.relay({ staticDir })
    const page = await fetch(`${relay.url}/`)
    expect(await page.text()).toContain('<title>Parley</title>')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    const asset = await fetch(`${relay.url}/assets/app-1234.js`)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    const widget = await fetch(`${relay.url}/parley-chat.js`, { headers: { origin: 'https://example.org' } })
    expect(widget.status).toBe(200)
    expect(widget.headers.get('access-control-allow-origin')).toBe('*')
    expect(widget.headers.get('content-type')).toMatch(/javascript/)
  })

  it('answers /healthz', async () => {
    const relay = await fixture.relay()
    const response = await fetch(`${relay.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', storage: { ok: true } })
  })
})
