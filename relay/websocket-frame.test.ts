// Frames built by the relay itself, written on the raw stream under a real ws server socket, as a ws client reads them.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { waitFor } from '../test/helpers'
import { binaryFrame, framedOnce } from './websocket-frame'

let server: Server | null = null
afterEach(async () => {
  await new Promise(resolve => server?.close(resolve) ?? resolve(undefined))
  server = null
})

/** A ws client connected to a ws server socket, with the server side's TCP stream. */
const connectedPair = async () => {
  const sockets = new WebSocketServer({ noServer: true })
  const accepted = new Promise<{ websocket: WebSocket; stream: Duplex }>(resolve => {
    server = createServer()
    server.on('upgrade', (request, stream: Duplex, head) => sockets.handleUpgrade(request, stream, head, websocket => resolve({ websocket, stream })))
  })
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(server!.address() as AddressInfo).port}`)
  const received: Uint8Array[] = []
  client.on('message', (data: Buffer) => received.push(new Uint8Array(data)))
  const { websocket, stream } = await accepted
  return { client, websocket, stream, received }
}

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff)

describe('frames built by the relay', () => {
  it('reach a ws client intact, at every length encoding, in order with what ws sends itself', async () => {
    const { client, websocket, stream, received } = await connectedPair()
    // 7-bit, 16-bit and 64-bit lengths, and the edges between them.
    const payloads = [0, 1, 125, 126, 65_535, 65_536, 70_000].map((length, seed) => bytes(length, seed))
    const expected: Uint8Array[] = []
    payloads.forEach((payload, index) => {
      stream.write(binaryFrame(payload))
      const own = bytes(3, 100 + index)
      websocket.send(own)
      expected.push(payload, own)
    })
    await waitFor('every frame', () => received.length >= expected.length)
    expect(received).toEqual(expected)
    client.close()
  })

  it('are built once for the same message, and anew for another', () => {
    const message = bytes(200, 1)
    const frame = framedOnce(message)
    expect(framedOnce(message)).toBe(frame)
    const other = bytes(200, 1)
    expect(framedOnce(other)).not.toBe(frame)
    expect(framedOnce(other)).toEqual(frame)
  })
})
