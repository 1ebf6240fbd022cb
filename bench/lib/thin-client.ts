// Thin protocol clients: one socket in one room, speaking a system's sync framing without a Y.Doc.
import { CLOSED, CONNECTING, LeanWebSocket, OPEN } from './lean-websocket'
import type { ServerSystem } from '../servers'

/** One message of the room as the server sent it, unframed (for Parley without its mux header, for Hocuspocus without its document name). */
export interface RoomMessage {
  /** Its first varUint: 0 sync, 1 awareness, 2 auth, 3 query awareness (Hocuspocus adds 4 sync reply, 8 sync status…). */
  type: number
  /** The whole message from its type on (the client's own copy). */
  bytes: Buffer
  /** performance.now() when its frame arrived (one clock for every client of the generator process). */
  at: number
}

export interface Traffic {
  frames: number
  /** WebSocket payload bytes (headers of the WebSocket frame not counted). */
  bytes: number
}

export interface ThinClient {
  readonly system: ServerSystem
  readonly room: string
  /**
   * Resolves once the room is joined and, for the Yjs systems, the server's sync step 2 has
   * arrived (floor: once the socket is open). Rejects if the server refuses the room or the socket closes first.
   */
  readonly synced: Promise<void>
  readonly received: Traffic
  readonly sent: Traffic
  /** Reasons of the server's refusals so far (Parley: 'rejected-update:…', room refusals), newest last, at most 16. */
  readonly refusals: readonly string[]
  /** Sends a Yjs update as a sync 'update' message (floor: the same bytes, broadcast as they are). */
  sendUpdate(update: Uint8Array): void
  /** Sends an awareness update (y-protocols' encodeAwarenessUpdate format). */
  sendAwareness(update: Uint8Array): void
  /** Sends one y-websocket message (its type first), framed for this system. */
  sendMessage(message: Uint8Array): void
  /**
   * Stops reading the socket except when `readBurst()` asks; what arrives meanwhile waits in
   * the kernel. For members the generator counts but does not time (see the fanout workload).
   */
  readInBursts(): void
  /** Reads, once, everything that has arrived. */
  readBurst(): void
  /** Reads every frame as it arrives again (the default). */
  readLive(): void
  /** Calls `listener` with every message of the room; returns the unsubscribe. */
  onMessage(listener: (message: RoomMessage) => void): () => void
  /** Resolves once the socket is closed, whoever closed it (the server, or `close()`), with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  /** Closes the socket; resolves once it is closed (terminated after 2 s). */
  close(): Promise<void>
  /** Drops the connection without the closing handshake, as a client that gives up does (a paused server never answers one). */
  drop(): Promise<void>
}

export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_AUTH = 2
export const SYNC_STEP_1 = 0
export const SYNC_STEP_2 = 1
export const SYNC_UPDATE = 2

/** Sync step 1 with an empty state vector: "send me everything". */
export const EMPTY_SYNC_STEP_1 = Uint8Array.of(MESSAGE_SYNC, SYNC_STEP_1, 1, 0)
/** Sync step 2 with an empty update: "I have nothing you lack". */
export const EMPTY_SYNC_STEP_2 = Uint8Array.of(MESSAGE_SYNC, SYNC_STEP_2, 2, 0, 0)

const writeVarUint = (out: number[], value: number): void => {
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 128)
  }
  out.push(value)
}

/** A y-websocket message: type, optional subtype, then `payload` as a varUint8Array. */
export const yMessage = (type: number, subtype: number | null, payload: Uint8Array): Uint8Array => {
  const head: number[] = [type]
  if (subtype !== null) head.push(subtype)
  writeVarUint(head, payload.length)
  const message = new Uint8Array(head.length + payload.length)
  message.set(head)
  message.set(payload, head.length)
  return message
}

export const updateMessage = (update: Uint8Array): Uint8Array => yMessage(MESSAGE_SYNC, SYNC_UPDATE, update)
export const awarenessMessage = (update: Uint8Array): Uint8Array => yMessage(MESSAGE_AWARENESS, null, update)

/** Reads a varUint at `offset`: [value, offset after it]. */
export const readVarUint = (bytes: Uint8Array, offset: number): [number, number] => {
  let value = 0
  let multiplier = 1
  for (;;) {
    const byte = bytes[offset++]
    if (byte === undefined) throw new RangeError('truncated varUint')
    value += (byte & 0x7f) * multiplier
    if (byte < 0x80) return [value, offset]
    multiplier *= 128
  }
}

/** Reads a varString (varUint length, UTF-8) at `offset`: [text, offset after it]. */
export const readVarString = (bytes: Buffer, offset: number): [string, number] => {
  const [length, start] = readVarUint(bytes, offset)
  return [bytes.toString('utf8', start, start + length), start + length]
}

const MAX_REFUSALS_KEPT = 16
const CLOSE_TIMEOUT_MS = 2000

/**
 * A socket in one room: counts traffic, hands room messages to listeners and, for the Yjs
 * systems, answers the sync handshake. Subclasses say how messages are framed.
 */
export abstract class ThinSocket implements ThinClient {
  readonly received: Traffic = { frames: 0, bytes: 0 }
  readonly sent: Traffic = { frames: 0, bytes: 0 }
  readonly refusals: string[] = []
  readonly synced: Promise<void>
  private settle!: { resolve: () => void; reject: (error: Error) => void }
  private isSynced = false
  private readonly listeners = new Set<(message: RoomMessage) => void>()
  readonly closed: Promise<{ code: number; reason: string }>

  private readonly socket: LeanWebSocket

  protected constructor (
    readonly system: ServerSystem,
    readonly room: string,
    url: string,
    protocols: readonly string[],
    /** Whether this system speaks the Yjs sync handshake (all but floor). */
    private readonly speaksSync: boolean
  ) {
    this.synced = new Promise((resolve, reject) => { this.settle = { resolve, reject } })
    // Nobody may be waiting for it: a refusal must not become an unhandled rejection.
    this.synced.catch(() => {})
    let closed!: (how: { code: number; reason: string }) => void
    this.closed = new Promise(resolve => { closed = resolve })
    this.socket = new LeanWebSocket(url, {
      open: () => {
        this.opened()
        if (!speaksSync) this.markSynced()
      },
      message: (data, at) => this.receivedFrame(data, at),
      close: (code, reason) => {
        this.fail(new Error(`${system} closed the socket before ${room} was synced: ${code} ${reason}`))
        closed({ code, reason })
      },
      error: error => this.fail(error)
    }, { protocols })
  }

  private receivedFrame (data: Buffer, at: number): void {
    this.received.frames += 1
    this.received.bytes += data.length
    const start = this.messageStart(data)
    if (start < 0 || start >= data.length) return
    const message: RoomMessage = { type: data[start]!, bytes: start === 0 ? data : data.subarray(start), at }
    if (this.speaksSync) this.handshake(message)
    for (const listener of this.listeners) listener(message)
  }

  /** The socket is open: join the room and start syncing. */
  protected abstract opened (): void
  /** Where the room message starts in a frame, or -1 for a frame of no interest (another room, a control frame). */
  protected abstract messageStart (frame: Buffer): number
  /** The frame that carries `message` in this room. */
  protected abstract frame (message: Uint8Array): Uint8Array

  protected sendFrame (frame: Uint8Array): void {
    if (this.socket.readyState !== OPEN) return
    this.sent.frames += 1
    this.sent.bytes += frame.length
    this.socket.send(frame)
  }

  sendMessage (message: Uint8Array): void { this.sendFrame(this.frame(message)) }
  sendUpdate (update: Uint8Array): void { this.sendMessage(updateMessage(update)) }
  sendAwareness (update: Uint8Array): void { this.sendMessage(awarenessMessage(update)) }

  readInBursts (): void { this.socket.readInBursts() }
  readBurst (): void { this.socket.readOnce() }
  readLive (): void { this.socket.readContinuously() }

  onMessage (listener: (message: RoomMessage) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Answers the server's sync step 1 with an empty step 2; its step 2 means synced. */
  protected handshake ({ type, bytes }: RoomMessage): void {
    if (type !== MESSAGE_SYNC) return
    if (bytes[1] === SYNC_STEP_1) this.sendMessage(EMPTY_SYNC_STEP_2)
    else if (bytes[1] === SYNC_STEP_2) this.markSynced()
  }

  protected markSynced (): void {
    if (this.isSynced) return
    this.isSynced = true
    this.settle.resolve()
  }

  /** Notes a refusal; one that refuses the room itself before it was synced fails `synced`. */
  protected refused (reason: string, ofRoom: boolean): void {
    this.refusals.push(reason)
    if (this.refusals.length > MAX_REFUSALS_KEPT) this.refusals.shift()
    if (ofRoom) this.fail(new Error(`${this.system} refused ${this.room}: ${reason}`))
  }

  private fail (error: Error): void {
    if (!this.isSynced) this.settle.reject(error)
  }

  async close (): Promise<void> {
    if (this.socket.readyState === CLOSED) return
    if (this.socket.readyState === CONNECTING) this.socket.terminate()
    else this.socket.close()
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_TIMEOUT_MS)
    await this.closed
    clearTimeout(timer)
  }

  async drop (): Promise<void> {
    if (this.socket.readyState === CLOSED) return
    this.socket.terminate()
    await this.closed
  }
}
