// A lean WebSocket client for the load generator: one read callback per socket read, frames parsed in place, no streams or events in between.
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'

/**
 * NOTE: why not `ws`. The fan-out workload reads most members' sockets in bursts, and that needs
 * reads that really stop: pausing a ws socket stops its stream, while Node goes on reading from
 * the kernel into it. Here reads go through net's `onread`, whose callback can stop them, into
 * one shared buffer, and frames are parsed where they lie (about 10 % less of the generator's
 * core than ws at 10,000 deliveries/s; most of a read's cost is the kernel and Node's native side).
 * It speaks RFC 6455 without extensions, which is what every server under test offers.
 */

export const CONNECTING = 0
export const OPEN = 1
export const CLOSING = 2
export const CLOSED = 3

export interface LeanWebSocketHandlers {
  open(): void
  /** A whole data message (text or binary), copied out of the read buffer; `at` is performance.now() when its last bytes were read. */
  message(payload: Buffer, at: number): void
  /** Once, when the connection is over: the server's close code and reason, or 1006 if the socket just ended. */
  close(code: number, reason: string): void
  error(error: Error): void
}

export interface LeanWebSocketOptions {
  /** Offered in Sec-WebSocket-Protocol; the server must pick one of them. */
  protocols?: readonly string[]
  /** Largest message accepted; a bigger one fails the connection (default 64 MiB). */
  maxPayload?: number
}

const OPCODE_CONTINUATION = 0x0
const OPCODE_TEXT = 0x1
const OPCODE_BINARY = 0x2
const OPCODE_CLOSE = 0x8
const OPCODE_PING = 0x9
const OPCODE_PONG = 0xa

const CLOSE_NORMAL = 1000
const CLOSE_NO_STATUS = 1005
const CLOSE_ABNORMAL = 1006

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const MAX_RESPONSE_HEAD = 16 * 1024
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024

/** Every socket reads into this one buffer: a read callback runs to its end before the next read, and what must outlive it is copied. */
const readBuffer = Buffer.allocUnsafe(64 * 1024)

/** The value the server must echo in Sec-WebSocket-Accept for `key`. */
export const acceptFor = (key: string): string => createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64')

/**
 * A client frame (masked, as RFC 6455 requires of clients).
 * NOTE: the mask is all zeros, so masking copies nothing. Masks keep script in browsers from
 * poisoning proxy caches; this client speaks to loopback servers only (ws's `generateMask`
 * option exists for the same reason). Servers unmask every frame the same way whatever the key.
 */
export const clientFrame = (opcode: number, payload: Uint8Array): Buffer => {
  const length = payload.length
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8
  const head = 2 + lengthBytes + 4
  const frame = Buffer.allocUnsafe(head + length)
  frame[0] = 0x80 | opcode
  if (lengthBytes === 0) {
    frame[1] = 0x80 | length
  } else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.writeUInt32BE(0, head - 4)
  frame.set(payload, head)
  return frame
}

export class LeanWebSocket {
  readyState = CONNECTING
  private readonly socket: net.Socket
  private readonly key = randomBytes(16).toString('base64')
  private readonly protocols: readonly string[]
  private readonly maxPayload: number
  /** Bytes of an incomplete response head or frame, carried over to the next read. */
  private pending: Buffer = Buffer.alloc(0)
  private pendingLength = 0
  /** Fragments of a message still waiting for its final frame. */
  private fragments: Buffer[] = []
  private fragmentsLength = 0
  private closeReported = false
  /** Whether the socket stops reading after each read until `readOnce()`. */
  private inBursts = false

  constructor (url: string, private readonly handlers: LeanWebSocketHandlers, { protocols = [], maxPayload = DEFAULT_MAX_PAYLOAD }: LeanWebSocketOptions = {}) {
    const target = new URL(url)
    if (target.protocol !== 'ws:') throw new Error(`lean WebSocket speaks ws: only, not ${target.protocol}`)
    this.protocols = protocols
    this.maxPayload = maxPayload
    this.socket = net.connect({
      host: target.hostname,
      port: Number(target.port || 80),
      noDelay: true,
      // NOTE: returning false stops the socket's reads (libuv's readStop) until `resume()`.
      onread: { buffer: readBuffer, callback: (length: number) => this.received(length) }
    })
    this.socket.on('connect', () => {
      const lines = [
        `GET ${target.pathname}${target.search} HTTP/1.1`,
        `Host: ${target.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${this.key}`,
        'Sec-WebSocket-Version: 13'
      ]
      if (protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`)
      this.socket.write(lines.join('\r\n') + '\r\n\r\n')
    })
    this.socket.on('error', error => this.handlers.error(error))
    this.socket.on('close', () => {
      this.readyState = CLOSED
      this.reportClose(CLOSE_ABNORMAL, '')
    })
  }

  /** Sends one binary message; ignored unless open. */
  send (payload: Uint8Array): void {
    if (this.readyState === OPEN) this.socket.write(clientFrame(OPCODE_BINARY, payload))
  }

  /** Starts the closing handshake (the server answers, then ends the socket). */
  close (code = CLOSE_NORMAL): void {
    if (this.readyState === CONNECTING) return this.terminate()
    if (this.readyState !== OPEN) return
    this.readyState = CLOSING
    this.socket.write(clientFrame(OPCODE_CLOSE, closePayload(code)))
  }

  /**
   * Reads only when `readOnce()` asks: what arrives meanwhile waits in the kernel, and one read
   * then takes up to 64 KiB of it. (A paused Node stream goes on reading into its buffer; this does not.)
   */
  readInBursts (): void { this.inBursts = true }
  /** Reads once what has arrived (or the next thing to arrive). */
  readOnce (): void { this.socket.resume() }
  /** Reads everything as it arrives (the default). */
  readContinuously (): void {
    this.inBursts = false
    this.socket.resume()
  }

  /** Drops the connection at once. */
  terminate (): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSING
    this.socket.destroy()
  }

  /** Handles one read; returns whether to go on reading. */
  private received (length: number): boolean {
    this.frames(length)
    return !this.inBursts
  }

  private frames (length: number): void {
    const at = performance.now()
    let bytes: Buffer = readBuffer.subarray(0, length)
    if (this.pendingLength > 0) {
      this.keep(bytes, 0)
      bytes = this.pending.subarray(0, this.pendingLength)
      this.pendingLength = 0
    }
    try {
      let offset = this.readyState === CONNECTING ? this.readResponseHead(bytes) : 0
      if (offset < 0) return this.keep(bytes, 0)
      // A handler may have closed or dropped the connection: nothing more is delivered then.
      while (offset < bytes.length && this.readyState !== CLOSED && !this.socket.destroyed) {
        const next = this.readFrame(bytes, offset, at)
        if (next < 0) return this.keep(bytes, offset)
        offset = next
      }
    } catch (error) {
      this.fail(error as Error)
    }
  }

  /** Copies `bytes` from `from` on into `pending` (which may be what `bytes` views: the copy goes to the front). */
  private keep (bytes: Buffer, from: number): void {
    const length = this.pendingLength + bytes.length - from
    if (length > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(length, 2 * this.pending.length, 1024))
      this.pending.copy(grown, 0, 0, this.pendingLength)
      this.pending = grown
    }
    bytes.copy(this.pending, this.pendingLength, from)
    this.pendingLength = length
  }

  /** Reads the server's answer to the upgrade; returns where frames start, or -1 if the head is incomplete. */
  private readResponseHead (bytes: Buffer): number {
    const end = bytes.indexOf('\r\n\r\n')
    if (end < 0) {
      if (bytes.length > MAX_RESPONSE_HEAD) throw new Error('the server\'s response head is too long')
      return -1
    }
    const [statusLine = '', ...headerLines] = bytes.toString('latin1', 0, end).split('\r\n')
    const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]
    if (status !== '101') throw new Error(`Unexpected server response: ${status ?? statusLine}`)
    const headers = new Map<string, string>()
    for (const line of headerLines) {
      const colon = line.indexOf(':')
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new Error('the server did not upgrade to websocket')
    if (headers.get('sec-websocket-accept') !== acceptFor(this.key)) throw new Error('the server\'s Sec-WebSocket-Accept is wrong')
    if (headers.has('sec-websocket-extensions')) throw new Error('the server chose an extension none was offered')
    const protocol = headers.get('sec-websocket-protocol') ?? ''
    if (this.protocols.length > 0 ? !this.protocols.includes(protocol) : protocol !== '') {
      throw new Error(`the server chose subprotocol "${protocol}", not one offered`)
    }
    this.readyState = OPEN
    this.handlers.open()
    return end + 4
  }

  /** Reads the frame at `offset` and acts on it; returns the offset after it, or -1 if it is incomplete. */
  private readFrame (bytes: Buffer, offset: number, at: number): number {
    if (bytes.length - offset < 2) return -1
    const first = bytes[offset]!
    const second = bytes[offset + 1]!
    if ((first & 0x70) !== 0) throw new Error('a frame has reserved bits set (no extension was agreed)')
    if ((second & 0x80) !== 0) throw new Error('the server masked a frame')
    let length = second & 0x7f
    let start = offset + 2
    if (length === 126) {
      if (bytes.length - offset < 4) return -1
      length = bytes.readUInt16BE(offset + 2)
      start += 2
    } else if (length === 127) {
      if (bytes.length - offset < 10) return -1
      length = bytes.readUInt32BE(offset + 2) * 2 ** 32 + bytes.readUInt32BE(offset + 6)
      start += 8
    }
    if (length + this.fragmentsLength > this.maxPayload) throw new Error(`a message of over ${this.maxPayload} bytes`)
    const end = start + length
    if (end > bytes.length) return -1
    this.frame(first & 0x0f, (first & 0x80) !== 0, bytes.subarray(start, end), at)
    return end
  }

  private frame (opcode: number, final: boolean, payload: Buffer, at: number): void {
    switch (opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        if (this.fragments.length > 0) throw new Error('a new message began before the last one ended')
        if (final) return this.handlers.message(Buffer.from(payload), at)
        this.fragment(payload)
        return
      case OPCODE_CONTINUATION:
        if (this.fragments.length === 0) throw new Error('a continuation frame with no message to continue')
        this.fragment(payload)
        if (final) {
          const message = Buffer.concat(this.fragments, this.fragmentsLength)
          this.fragments = []
          this.fragmentsLength = 0
          this.handlers.message(message, at)
        }
        return
      case OPCODE_PING:
        if (this.readyState === OPEN) this.socket.write(clientFrame(OPCODE_PONG, payload))
        return
      case OPCODE_PONG:
        return
      case OPCODE_CLOSE: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : CLOSE_NO_STATUS
        const reason = payload.toString('utf8', 2)
        if (this.readyState === OPEN) this.socket.write(clientFrame(OPCODE_CLOSE, payload.subarray(0, 2)))
        this.readyState = CLOSED
        this.socket.end()
        this.reportClose(code, reason)
        return
      }
      default:
        throw new Error(`a frame with unknown opcode ${opcode}`)
    }
  }

  private fragment (payload: Buffer): void {
    this.fragments.push(Buffer.from(payload))
    this.fragmentsLength += payload.length
  }

  private fail (error: Error): void {
    this.handlers.error(error)
    this.terminate()
  }

  private reportClose (code: number, reason: string): void {
    if (this.closeReported) return
    this.closeReported = true
    this.handlers.close(code, reason)
  }
}

const closePayload = (code: number): Buffer => {
  const payload = Buffer.allocUnsafe(2)
  payload.writeUInt16BE(code)
  return payload
}
