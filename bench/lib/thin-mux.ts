// A thin Parley client holding several rooms on one mux socket, as a device does: joins them, answers their sync without a Y.Doc, publishes presence, counts what arrives.
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import type { Identity } from '../../shared/identity'
import { MUX_FRAME_CODES, MUX_PATH, encodeMuxFrame, encodeRawMuxFrame } from '../../shared/protocol'
import { CLOSED, CONNECTING, LeanWebSocket } from './lean-websocket'
import {
  EMPTY_SYNC_STEP_1, EMPTY_SYNC_STEP_2, MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2, awarenessMessage,
  readVarString, readVarUint, type Traffic
} from './thin-client'

/** Where a frame of the mux socket comes from, and what it is. */
export interface MuxTraffic extends Traffic {
  /** Awareness (presence) messages, whichever room they were for, and their frames' bytes. */
  presence: Traffic
}

const CLOSE_TIMEOUT_MS = 2000

/**
 * One identity's mux socket in `rooms`. NOTE: a room the relay refuses fails `synced`; the
 * socket stays open for the others, as the relay keeps it.
 */
export class MuxThinClient {
  readonly received: MuxTraffic = { frames: 0, bytes: 0, presence: { frames: 0, bytes: 0 } }
  readonly sent: Traffic = { frames: 0, bytes: 0 }
  readonly refusals: string[] = []
  /** Resolves once every room's sync step 2 has arrived; rejects on a refusal or a close before that. */
  readonly synced: Promise<void>
  readonly closed: Promise<void>
  private readonly waiting: Set<string>
  private readonly headers = new Map<string, Uint8Array>()
  private settle!: { resolve: () => void; reject: (error: Error) => void }
  private readonly socket: LeanWebSocket

  private constructor (url: string, protocols: readonly string[], readonly identity: Identity, readonly rooms: readonly string[]) {
    this.waiting = new Set(rooms)
    for (const room of rooms) this.headers.set(room, encodeRawMuxFrame(MUX_FRAME_CODES.message, room))
    this.synced = new Promise((resolve, reject) => { this.settle = { resolve, reject } })
    this.synced.catch(() => {})
    let closed!: () => void
    this.closed = new Promise(resolve => { closed = resolve })
    this.socket = new LeanWebSocket(url, {
      open: () => {
        for (const room of rooms) {
          this.sendFrame(encodeMuxFrame({ kind: 'join', room }))
          this.send(room, EMPTY_SYNC_STEP_1)
        }
      },
      message: data => this.receive(data),
      close: (code, reason) => {
        this.settle.reject(new Error(`the relay closed ${identity.user_id}'s socket: ${code} ${reason}`))
        closed()
      },
      error: error => this.settle.reject(error)
    }, { protocols })
  }

  /** Connects as `identity` (a fresh signed token, as the app does) and joins `rooms`. */
  static async connect (wsUrl: string, identity: Identity, rooms: readonly string[]): Promise<MuxThinClient> {
    const url = `${wsUrl}/${MUX_PATH}`
    return new MuxThinClient(url, connectProtocols(await createConnectToken(identity, url)), identity, rooms)
  }

  /** Sends one y-websocket message in `room`. */
  send (room: string, message: Uint8Array): void {
    const header = this.headers.get(room)!
    const frame = new Uint8Array(header.length + message.length)
    frame.set(header)
    frame.set(message, header.length)
    this.sendFrame(frame)
  }

  sendAwareness (room: string, update: Uint8Array): void { this.send(room, awarenessMessage(update)) }

  private sendFrame (frame: Uint8Array): void {
    if (this.socket.readyState === CLOSED || this.socket.readyState === CONNECTING) return
    this.sent.frames += 1
    this.sent.bytes += frame.length
    this.socket.send(frame)
  }

  private receive (frame: Buffer): void {
    this.received.frames += 1
    this.received.bytes += frame.length
    const [kind, afterKind] = readVarUint(frame, 0)
    if (kind !== MUX_FRAME_CODES.message) return
    const [room, start] = readVarString(frame, afterKind)
    const type = frame[start]
    if (type === MESSAGE_AWARENESS) {
      this.received.presence.frames += 1
      this.received.presence.bytes += frame.length
    } else if (type === MESSAGE_SYNC) {
      if (frame[start + 1] === SYNC_STEP_1) this.send(room, EMPTY_SYNC_STEP_2)
      else if (frame[start + 1] === SYNC_STEP_2 && this.waiting.delete(room) && this.waiting.size === 0) this.settle.resolve()
    } else if (type === MESSAGE_AUTH) {
      const reason = readVarString(frame, start + 2)[0]
      this.refusals.push(`${room}: ${reason}`)
      if (this.waiting.has(room) && !reason.startsWith('rejected-presence')) this.settle.reject(new Error(`the relay refused ${room}: ${reason}`))
    }
  }

  /** Closes the socket (the relay then tells the holders of one's profile that one left); resolves once closed. */
  async close (): Promise<void> {
    if (this.socket.readyState === CLOSED) return
    this.socket.close()
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_TIMEOUT_MS)
    await this.closed
    clearTimeout(timer)
  }
}
