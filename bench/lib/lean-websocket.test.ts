// The load generator's lean WebSocket client against real servers: ws for conformance, a raw TCP server where a test needs byte-level control.
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import net, { type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocketServer, type ServerOptions, type WebSocket as ServerSocket } from 'ws'
import { CLOSED, CONNECTING, LeanWebSocket, OPEN, acceptFor, clientFrame, type LeanWebSocketHandlers, type LeanWebSocketOptions } from './lean-websocket'

/** Teardowns of every server and client a test started, run after it (newest first). */
const teardowns: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const teardown of teardowns.splice(0).reverse()) await teardown()
})

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
/** Retries `check` until it passes (vitest's waitFor): waits on events, asserts no duration. */
const until = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 3_000, interval: 2 })
/** Long enough for a second (wrong) close report or a delivery that should not happen to show up. */
const GRACE_MS = 30

/** What a client's handlers were called with. */
interface Seen {
  opened: number
  messages: Array<{ payload: Buffer, at: number }>
  closes: Array<{ code: number, reason: string }>
  errors: Error[]
}

/** A lean client that records what its handlers see, then calls `also` (e.g. to act on open). */
const connect = (url: string, options?: LeanWebSocketOptions, also: Partial<LeanWebSocketHandlers> = {}): { client: LeanWebSocket, seen: Seen } => {
  const seen: Seen = { opened: 0, messages: [], closes: [], errors: [] }
  const client = new LeanWebSocket(url, {
    open: () => { seen.opened++; also.open?.() },
    message: (payload, at) => { seen.messages.push({ payload, at }); also.message?.(payload, at) },
    close: (code, reason) => { seen.closes.push({ code, reason }); also.close?.(code, reason) },
    error: error => { seen.errors.push(error); also.error?.(error) }
  }, options)
  teardowns.push(() => client.terminate())
  return { client, seen }
}

/** A ws server on a free loopback port; `accepted()` resolves with its next connection. */
const startWsServer = async (options: ServerOptions = {}) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options })
  await once(server, 'listening')
  teardowns.push(() => new Promise<void>(resolve => {
    for (const socket of server.clients) socket.terminate()
    server.close(() => resolve())
  }))
  const accepted = (): Promise<ServerSocket> => once(server, 'connection').then(([socket]) => socket as ServerSocket)
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, accepted }
}

/** A lean client connecting to a fresh ws server, with the server's side of the connection. */
const connectToWs = async (options?: LeanWebSocketOptions, also?: Partial<LeanWebSocketHandlers>) => {
  const { url, accepted } = await startWsServer()
  const connection = accepted()
  const connected = connect(url, options, also)
  return { ...connected, socket: await connection }
}

/** A plain TCP server: `onRequest` gets each socket and the client's Sec-WebSocket-Key once the request head is in. */
const startRawServer = async (onRequest: (socket: net.Socket, key: string, head: string) => void): Promise<string> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    // NOTE: no Nagle, so that separate writes leave as separate segments (the byte-at-a-time case).
    socket.setNoDelay(true)
    let request = ''
    const readHead = (chunk: Buffer): void => {
      request += chunk.toString('latin1')
      const end = request.indexOf('\r\n\r\n')
      if (end < 0) return
      socket.off('data', readHead)
      onRequest(socket, /^sec-websocket-key: *(\S+)/im.exec(request)?.[1] ?? '', request.slice(0, end))
    }
    socket.on('data', readHead)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardowns.push(() => new Promise<void>(resolve => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A 101 answer; `accept` and `protocol` override what a correct server would send. */
const switchingProtocols = (key: string, { accept = acceptFor(key), protocol }: { accept?: string, protocol?: string } = {}): Buffer => Buffer.from([
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Accept: ${accept}`,
  ...(protocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${protocol}`])
].join('\r\n') + '\r\n\r\n', 'latin1')

const OPCODE_CONTINUATION = 0x0
const OPCODE_BINARY = 0x2
const OPCODE_PING = 0x9
const OPCODE_PONG = 0xa

/** A server frame, as a correct server sends it unless told otherwise. */
const serverFrame = (opcode: number, payload: Uint8Array, { final = true, reserved = 0, mask }: { final?: boolean, reserved?: number, mask?: Buffer } = {}): Buffer => {
  const length = payload.length
  const head = [(final ? 0x80 : 0) | (reserved << 4) | opcode]
  const maskBit = mask === undefined ? 0 : 0x80
  if (length < 126) head.push(maskBit | length)
  else if (length < 0x10000) head.push(maskBit | 126, length >> 8, length & 0xff)
  else head.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff)
  const body = Buffer.from(payload)
  if (mask !== undefined) for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!
  return Buffer.concat([Buffer.from(head), ...(mask === undefined ? [] : [mask]), body])
}

/** The frames a client sent, unmasked (whole frames only: enough for the short control frames read here). */
const clientFrames = (bytes: Buffer): Array<{ opcode: number, masked: boolean, payload: Buffer }> => {
  const frames = []
  let offset = 0
  while (offset + 2 <= bytes.length) {
    const masked = (bytes[offset + 1]! & 0x80) !== 0
    const length = bytes[offset + 1]! & 0x7f
    if (length >= 126) throw new Error('clientFrames reads short frames only')
    const key = masked ? bytes.subarray(offset + 2, offset + 6) : Buffer.alloc(4)
    const start = offset + 2 + (masked ? 4 : 0)
    const payload = Buffer.from(bytes.subarray(start, start + length)).map((byte, i) => byte ^ key[i % 4]!)
    frames.push({ opcode: bytes[offset]! & 0x0f, masked, payload: Buffer.from(payload) })
    offset = start + length
  }
  return frames
}

/** Waits for the connection to fail: `error` once with a matching message, `close` once with 1006, no open. */
const expectFailed = async (seen: Seen, message: RegExp, { opened = 0 } = {}): Promise<void> => {
  await until(() => expect(seen.closes).toHaveLength(1))
  await sleep(GRACE_MS)
  expect(seen.errors).toHaveLength(1)
  expect(seen.errors[0]!.message).toMatch(message)
  expect(seen.closes).toEqual([{ code: 1006, reason: '' }])
  expect(seen.opened).toBe(opened)
}

describe('frames and keys', () => {
  it('derives Sec-WebSocket-Accept as RFC 6455 shows', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
  })

  it('frames client messages masked (with a zero key), final, at each length encoding', () => {
    const cases: Array<[number, number[]]> = [[0, [0]], [125, [125]], [126, [126, 0, 126]], [65_535, [126, 0xff, 0xff]], [65_536, [127, 0, 0, 0, 0, 0, 1, 0, 0]]]
    for (const [length, lengthBytes] of cases) {
      const payload = randomBytes(length)
      const frame = clientFrame(OPCODE_BINARY, payload)
      const head = 1 + lengthBytes.length
      expect(frame[0]).toBe(0x80 | OPCODE_BINARY)
      expect(frame[1]! & 0x80).toBe(0x80)
      expect([frame[1]! & 0x7f, ...frame.subarray(2, head)]).toEqual(lengthBytes)
      expect([...frame.subarray(head, head + 4)]).toEqual([0, 0, 0, 0])
      expect(frame.subarray(head + 4).equals(payload)).toBe(true)
    }
  })

  it('speaks ws: only', () => {
    expect(() => new LeanWebSocket('wss://127.0.0.1:1/', { open () {}, message () {}, close () {}, error () {} })).toThrow(/ws:/)
  })
})

describe('handshake and messages, against ws', () => {
  it('opens once, asking for the path and query of its URL', async () => {
    const { server, url } = await startWsServer()
    const requested = once(server, 'connection').then(([, request]) => (request as { url: string }).url)
    const { client, seen } = connect(`${url}/rooms/a?token=x`)
    expect(client.readyState).toBe(CONNECTING)
    expect(await requested).toBe('/rooms/a?token=x')
    await until(() => expect(seen.opened).toBe(1))
    expect(client.readyState).toBe(OPEN)
    expect(seen.errors).toEqual([])
  })

  it('round-trips binary messages of every length encoding both ways, exactly', async () => {
    const { client, seen, socket } = await connectToWs()
    const atServer: Array<{ data: Buffer, binary: boolean }> = []
    socket.on('message', (data: Buffer, binary: boolean) => atServer.push({ data, binary }))
    await until(() => expect(seen.opened).toBe(1))
    // 200,000 bytes is several reads of the client's 64 KiB buffer: the frame is carried over between them.
    const lengths = [0, 1, 125, 126, 65_535, 65_536, 200_000]
    for (const [index, length] of lengths.entries()) {
      const up = randomBytes(length)
      client.send(up)
      await until(() => expect(atServer).toHaveLength(index + 1))
      expect(atServer[index]!.binary).toBe(true)
      expect(atServer[index]!.data.equals(up), `client → server, ${length} bytes`).toBe(true)
      const down = randomBytes(length)
      socket.send(down)
      await until(() => expect(seen.messages).toHaveLength(index + 1))
      expect(seen.messages[index]!.payload.equals(down), `server → client, ${length} bytes`).toBe(true)
    }
    expect(seen.errors).toEqual([])
  })

  it('delivers messages that share one read (and the 101 answer) separately, in order', async () => {
    const payloads = [randomBytes(10), randomBytes(0), randomBytes(300), randomBytes(70_000)]
    const url = await startRawServer((socket, key) => {
      socket.write(Buffer.concat([switchingProtocols(key), ...payloads.map(payload => serverFrame(OPCODE_BINARY, payload))]))
    })
    const { seen } = connect(url)
    await until(() => expect(seen.messages).toHaveLength(payloads.length))
    expect(seen.opened).toBe(1)
    seen.messages.forEach(({ payload }, index) => expect(payload.equals(payloads[index]!)).toBe(true))
    // The first three came in the first read, as one batch.
    expect(seen.messages[1]!.at).toBe(seen.messages[0]!.at)
    expect(seen.messages[2]!.at).toBe(seen.messages[0]!.at)
  })
})

describe('subprotocols', () => {
  it('offers its protocols and accepts the one the server picks', async () => {
    const offered: string[][] = []
    const { url, accepted } = await startWsServer({
      handleProtocols: protocols => {
        offered.push([...protocols])
        return 'beta'
      }
    })
    const connection = accepted()
    const { seen } = connect(url, { protocols: ['alpha', 'beta'] })
    const socket = await connection
    await until(() => expect(seen.opened).toBe(1))
    expect(offered).toEqual([['alpha', 'beta']])
    expect(socket.protocol).toBe('beta')
    expect(seen.errors).toEqual([])
  })

  it('fails when the server picks none of those offered', async () => {
    const url = await startRawServer((socket, key) => socket.write(switchingProtocols(key)))
    const { seen } = connect(url, { protocols: ['alpha'] })
    await expectFailed(seen, /subprotocol ""/)
  })

  it('fails when the server picks one not offered', async () => {
    const url = await startRawServer((socket, key) => socket.write(switchingProtocols(key, { protocol: 'gamma' })))
    const { seen } = connect(url, { protocols: ['alpha', 'beta'] })
    await expectFailed(seen, /subprotocol "gamma"/)
  })

  it('fails when the server picks one though none was offered', async () => {
    const url = await startRawServer((socket, key) => socket.write(switchingProtocols(key, { protocol: 'alpha' })))
    const { seen } = connect(url)
    await expectFailed(seen, /subprotocol "alpha"/)
  })
})

describe('refused and broken handshakes', () => {
  it('reports an HTTP refusal as an error with its status, then close 1006 once', async () => {
    const { url } = await startWsServer({ verifyClient: (_info, callback) => callback(false, 401) })
    const { seen } = connect(url)
    await expectFailed(seen, /401/)
  })

  it('fails on a wrong Sec-WebSocket-Accept', async () => {
    const url = await startRawServer((socket, key) => socket.write(switchingProtocols(key, { accept: acceptFor(`${key}x`) })))
    const { seen } = connect(url)
    await expectFailed(seen, /Sec-WebSocket-Accept/)
  })

  it('reports close 1006 once, and no error, when the server hangs up before answering', async () => {
    const url = await startRawServer(socket => socket.end())
    const { seen } = connect(url)
    await until(() => expect(seen.closes).toHaveLength(1))
    await sleep(GRACE_MS)
    expect(seen.closes).toEqual([{ code: 1006, reason: '' }])
    expect(seen.opened).toBe(0)
    expect(seen.errors).toEqual([])
  })

  it('reports a refused TCP connection as an error, then close 1006 once', async () => {
    const server = net.createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    await new Promise(resolve => server.close(resolve))
    const { seen } = connect(`ws://127.0.0.1:${port}`)
    await expectFailed(seen, /ECONNREFUSED/)
  })

  it('drops the connection when closed before it opens', async () => {
    const { url } = await startWsServer()
    const { client, seen } = connect(url)
    client.close()
    await until(() => expect(seen.closes).toHaveLength(1))
    await sleep(GRACE_MS)
    expect(seen.closes).toEqual([{ code: 1006, reason: '' }])
    expect(seen.opened).toBe(0)
    expect(client.readyState).toBe(CLOSED)
  })
})

describe('reading frames split across reads', () => {
  it('reads the answer and frames sent one byte per write', async () => {
    const small = randomBytes(5)
    const medium = randomBytes(300)
    const large = randomBytes(70_000)
    const largeFrame = serverFrame(OPCODE_BINARY, large)
    // Byte by byte: the 101 answer, two frames (7-bit and 16-bit lengths) and the 10-byte head of a 64-bit one; its body in two writes.
    const byteByByte = Buffer.concat([serverFrame(OPCODE_BINARY, small), serverFrame(OPCODE_BINARY, medium), largeFrame.subarray(0, 10)])
    const url = await startRawServer((socket, key) => {
      const bytes = Buffer.concat([switchingProtocols(key), byteByByte])
      let next = 0
      const writeNext = (): void => {
        if (socket.destroyed) return
        if (next === bytes.length) {
          socket.write(largeFrame.subarray(10, 30_010))
          setImmediate(() => socket.write(largeFrame.subarray(30_010)))
          return
        }
        socket.write(bytes.subarray(next, ++next))
        setImmediate(writeNext)
      }
      writeNext()
    })
    const { seen } = connect(url)
    await until(() => expect(seen.messages).toHaveLength(3))
    expect(seen.opened).toBe(1)
    expect(seen.messages[0]!.payload.equals(small)).toBe(true)
    expect(seen.messages[1]!.payload.equals(medium)).toBe(true)
    expect(seen.messages[2]!.payload.equals(large)).toBe(true)
    expect(seen.errors).toEqual([])
  })
})

describe('fragments and control frames', () => {
  it('joins a fragmented message, answering a ping sent between its fragments with the same payload', async () => {
    const parts = [randomBytes(100), randomBytes(1_000), randomBytes(0), randomBytes(70_000)]
    const after = randomBytes(20)
    const pingPayload = Buffer.from('ping 42')
    const fromClient: Buffer[] = []
    const url = await startRawServer((socket, key) => {
      socket.on('data', chunk => fromClient.push(chunk))
      const writes = [
        switchingProtocols(key),
        serverFrame(OPCODE_BINARY, parts[0]!, { final: false }),
        serverFrame(OPCODE_CONTINUATION, parts[1]!, { final: false }),
        serverFrame(OPCODE_PING, pingPayload),
        serverFrame(OPCODE_CONTINUATION, parts[2]!, { final: false }),
        serverFrame(OPCODE_CONTINUATION, parts[3]!),
        serverFrame(OPCODE_BINARY, after)
      ]
      // NOTE: one frame per write, a few ms apart, so each lands in its own read of the shared buffer (fragments must be copied out).
      const writeNext = (): void => {
        const bytes = writes.shift()
        if (bytes === undefined || socket.destroyed) return
        socket.write(bytes)
        setTimeout(writeNext, 3)
      }
      writeNext()
    })
    const { seen } = connect(url)
    await until(() => expect(seen.messages).toHaveLength(2))
    expect(seen.messages[0]!.payload.equals(Buffer.concat(parts))).toBe(true)
    expect(seen.messages[1]!.payload.equals(after)).toBe(true)
    await until(() => expect(clientFrames(Buffer.concat(fromClient))).toEqual([{ opcode: OPCODE_PONG, masked: true, payload: pingPayload }]))
    expect(seen.errors).toEqual([])
  })

  it('answers ws pings with pongs ws accepts, between the fragments of a ws message too', async () => {
    const { seen, socket } = await connectToWs()
    const pongs: Buffer[] = []
    socket.on('pong', (data: Buffer) => pongs.push(data))
    await until(() => expect(seen.opened).toBe(1))
    const parts = [randomBytes(500), randomBytes(66_000), randomBytes(7)]
    socket.send(parts[0]!, { fin: false })
    socket.ping(Buffer.from('first'))
    socket.send(parts[1]!, { fin: false })
    socket.ping(Buffer.from('second'))
    socket.send(parts[2]!, { fin: true })
    await until(() => expect(seen.messages).toHaveLength(1))
    expect(seen.messages[0]!.payload.equals(Buffer.concat(parts))).toBe(true)
    await until(() => expect(pongs.map(pong => pong.toString())).toEqual(['first', 'second']))
  })
})

describe('closing', () => {
  it('closes with 1000 when the client closes, reporting it once', async () => {
    const { client, seen, socket } = await connectToWs()
    const closedAtServer = once(socket, 'close')
    await until(() => expect(seen.opened).toBe(1))
    client.close()
    const [code] = await closedAtServer
    expect(code).toBe(1000)
    await until(() => expect(seen.closes).toHaveLength(1))
    await sleep(GRACE_MS)
    expect(seen.closes).toEqual([{ code: 1000, reason: '' }])
    expect(client.readyState).toBe(CLOSED)
    expect(seen.errors).toEqual([])
    // Sending once closed is ignored, not an error.
    client.send(Buffer.from('late'))
  })

  it('reports the code and reason of a close the server starts, and echoes the code', async () => {
    const { client, seen, socket } = await connectToWs()
    const closedAtServer = once(socket, 'close')
    await until(() => expect(seen.opened).toBe(1))
    socket.close(4001, 'room refused')
    const [code] = await closedAtServer
    expect(code).toBe(4001)
    await until(() => expect(seen.closes).toHaveLength(1))
    await sleep(GRACE_MS)
    expect(seen.closes).toEqual([{ code: 4001, reason: 'room refused' }])
    expect(client.readyState).toBe(CLOSED)
    expect(seen.errors).toEqual([])
  })

  it('drops the connection at once on terminate()', async () => {
    const { client, seen, socket } = await connectToWs()
    const closedAtServer = once(socket, 'close')
    await until(() => expect(seen.opened).toBe(1))
    client.terminate()
    expect(client.readyState).not.toBe(OPEN)
    const [code] = await closedAtServer
    expect(code).toBe(1006)
    await until(() => expect(seen.closes).toHaveLength(1))
    await sleep(GRACE_MS)
    expect(seen.closes).toEqual([{ code: 1006, reason: '' }])
    expect(client.readyState).toBe(CLOSED)
  })

  it('delivers nothing more of a read once a handler terminates the connection', async () => {
    const url = await startRawServer((socket, key) => {
      socket.write(Buffer.concat([switchingProtocols(key), ...[1, 2, 3].map(byte => serverFrame(OPCODE_BINARY, Uint8Array.of(byte)))]))
    })
    let client: LeanWebSocket | null = null
    const connected = connect(url, {}, { message: () => client!.terminate() })
    client = connected.client
    await until(() => expect(connected.seen.closes).toHaveLength(1))
    expect(connected.seen.messages.map(({ payload }) => payload[0])).toEqual([1])
  })
})

describe('protocol errors', () => {
  const cases: Array<{ name: string, frames: Buffer[], error: RegExp }> = [
    { name: 'a masked frame', frames: [serverFrame(OPCODE_BINARY, randomBytes(10), { mask: Buffer.from([1, 2, 3, 4]) })], error: /masked/ },
    { name: 'reserved bits set', frames: [serverFrame(OPCODE_BINARY, randomBytes(10), { reserved: 0b100 })], error: /reserved bits/ },
    { name: 'an unknown opcode', frames: [serverFrame(0x3, randomBytes(10))], error: /unknown opcode 3/ },
    { name: 'a message over maxPayload', frames: [serverFrame(OPCODE_BINARY, randomBytes(1_001))], error: /over 1000 bytes/ },
    {
      name: 'fragments adding up to over maxPayload',
      frames: [serverFrame(OPCODE_BINARY, randomBytes(600), { final: false }), serverFrame(OPCODE_CONTINUATION, randomBytes(401))],
      error: /over 1000 bytes/
    },
    { name: 'a continuation with no message to continue', frames: [serverFrame(OPCODE_CONTINUATION, randomBytes(10))], error: /continuation/ },
    {
      name: 'a new message inside a fragmented one',
      frames: [serverFrame(OPCODE_BINARY, randomBytes(10), { final: false }), serverFrame(OPCODE_BINARY, randomBytes(10))],
      error: /new message/
    }
  ]

  it.each(cases)('drops the connection with an error on $name', async ({ frames, error }) => {
    const valid = randomBytes(1_000)
    let serverSocketClosed: Promise<unknown> = Promise.resolve()
    const url = await startRawServer((socket, key) => {
      serverSocketClosed = once(socket, 'close')
      socket.write(Buffer.concat([switchingProtocols(key), serverFrame(OPCODE_BINARY, valid), ...frames]))
    })
    const { seen } = connect(url, { maxPayload: 1_000 })
    await expectFailed(seen, error, { opened: 1 })
    // What came before the bad frame was delivered, nothing after.
    expect(seen.messages.map(({ payload }) => payload.equals(valid))).toEqual([true])
    await serverSocketClosed
  })
})

describe('the read buffer shared by every socket', () => {
  it('hands each message over as a copy that later reads leave alone', async () => {
    const { client, seen, socket } = await connectToWs()
    const acks: Buffer[] = []
    socket.on('message', (data: Buffer) => acks.push(data))
    await until(() => expect(seen.opened).toBe(1))
    socket.send(Buffer.alloc(1_000, 0x11))
    await until(() => expect(seen.messages).toHaveLength(1))
    const first = seen.messages[0]!.payload
    // Only once the client has the first message does the second leave the server: it is another read, into the same buffer.
    client.send(Buffer.from('ack'))
    await until(() => expect(acks).toHaveLength(1))
    socket.send(Buffer.alloc(1_000, 0x22))
    await until(() => expect(seen.messages).toHaveLength(2))
    expect(seen.messages[1]!.payload.equals(Buffer.alloc(1_000, 0x22))).toBe(true)
    expect(first.equals(Buffer.alloc(1_000, 0x11))).toBe(true)
  })

  it('keeps two clients\' interleaved large messages apart', async () => {
    const { url, server } = await startWsServer()
    const byPath = new Map<string, ServerSocket>()
    server.on('connection', (socket, request) => byPath.set(request.url ?? '', socket))
    const clients = [connect(`${url}/a`), connect(`${url}/b`)]
    await until(() => expect(clients.map(({ seen }) => seen.opened)).toEqual([1, 1]))
    const sockets = ['/a', '/b'].map(path => byPath.get(path)!)
    // Large enough to span reads: each client carries a frame over while the other reads into the same buffer.
    const sent = clients.map(() => Array.from({ length: 5 }, (_, i) => randomBytes(90_000 + i * 1_000)))
    for (let i = 0; i < 5; i++) {
      sockets[0]!.send(sent[0]![i]!)
      sockets[1]!.send(sent[1]![i]!)
    }
    await until(() => expect(clients.map(({ seen }) => seen.messages.length)).toEqual([5, 5]))
    clients.forEach(({ seen }, c) => seen.messages.forEach(({ payload }, i) => expect(payload.equals(sent[c]![i]!), `client ${c}, message ${i}`).toBe(true)))
    expect(clients.flatMap(({ seen }) => seen.errors)).toEqual([])
  })
})

describe('reading in bursts', () => {
  it('reads only when asked, takes everything waiting in one read, and reads live again', async () => {
    const { url, accepted } = await startWsServer()
    const connection = accepted()
    // NOTE: `connect` returns before any I/O, so `client` is set when `open` runs.
    const { client, seen } = connect(url, {}, { open: () => client.readInBursts() })
    const socket = await connection
    await until(() => expect(seen.opened).toBe(1))
    // The read that opened the socket was its last: 20 messages, a few ms apart, wait in the kernel.
    const batch = Array.from({ length: 20 }, () => randomBytes(50))
    for (const payload of batch) {
      await new Promise<void>((resolve, reject) => socket.send(payload, error => error === undefined || error === null ? resolve() : reject(error)))
      await sleep(5)
    }
    await sleep(100)
    expect(seen.messages).toHaveLength(0)

    client.readOnce()
    await until(() => expect(seen.messages).toHaveLength(20))
    seen.messages.forEach(({ payload }, index) => expect(payload.equals(batch[index]!)).toBe(true))
    expect(new Set(seen.messages.map(({ at }) => at)).size).toBe(1)

    // Still in bursts: one read, then nothing until asked again.
    socket.send(Buffer.from('one more'))
    await sleep(100)
    expect(seen.messages).toHaveLength(20)
    client.readOnce()
    await until(() => expect(seen.messages).toHaveLength(21))
    expect(seen.messages[20]!.payload.toString()).toBe('one more')

    // Live again: each message arrives without asking (the server sends the next only once the last one is in).
    client.readContinuously()
    for (let i = 0; i < 5; i++) {
      socket.send(Buffer.from(`live ${i}`))
      await until(() => expect(seen.messages).toHaveLength(22 + i))
    }
    expect(seen.messages.slice(21).map(({ payload }) => payload.toString())).toEqual(['live 0', 'live 1', 'live 2', 'live 3', 'live 4'])
    expect(seen.errors).toEqual([])
  })
})
