// A joining client for storms: credentials made beforehand, its own state vector in sync step 1, and when each step of its join happened.
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import type { Identity } from '../../shared/identity'
import { MUX_PATH, encodeMuxFrame, MUX_FRAME_CODES, encodeRawMuxFrame } from '../../shared/protocol'
import type { RunningServer, ServerSystem } from '../servers'
import { EMPTY_SYNC_STEP_2, MESSAGE_AUTH, MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2, SYNC_UPDATE, readVarString, readVarUint, yMessage } from './thin-client'

/** How one system carries a room's messages on a socket, with credentials already made. */
export interface JoinPlan {
  readonly system: ServerSystem
  readonly room: string
  readonly url: string
  readonly protocols: string[]
  /** Frames sent at open before sync step 1 (Parley: join the room; Hocuspocus: authenticate). */
  readonly preamble: Uint8Array[]
  /** The frame carrying one y-websocket message of the room. */
  wrap(message: Uint8Array): Uint8Array
  /** Where the room's message starts in a frame, or -1 for a frame of no interest. */
  unwrap(frame: Buffer): number
}

const concat = (head: Uint8Array, tail: Uint8Array): Uint8Array => {
  const out = new Uint8Array(head.length + tail.length)
  out.set(head)
  out.set(tail, head.length)
  return out
}

const varString = (text: string): Uint8Array => encoding.encode(encoder => encoding.writeVarString(encoder, text))

/**
 * Prepares one join of `room` (Parley: signs a fresh one-time token for `identity`, which is
 * why joins are prepared before a storm starts: the signing is the client's cost, not the relay's).
 */
export const prepareJoin = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, room: string, identity?: Identity): Promise<JoinPlan> => {
  const { system, wsUrl } = server
  switch (system) {
    case 'parley': {
      if (!identity) throw new Error('a Parley join needs an identity')
      const url = `${wsUrl}/${MUX_PATH}`
      const header = encodeRawMuxFrame(MUX_FRAME_CODES.message, room)
      return {
        system, room, url,
        protocols: connectProtocols(await createConnectToken(identity, url)),
        preamble: [encodeMuxFrame({ kind: 'join', room })],
        wrap: message => concat(header, message),
        unwrap: frame => {
          const [kind, afterKind] = readVarUint(frame, 0)
          if (kind !== MUX_FRAME_CODES.message) return -1
          const [name, start] = readVarString(frame, afterKind)
          return name === room ? start : -1
        }
      }
    }
    case 'hocuspocus': {
      const prefix = varString(room)
      return {
        system, room, url: wsUrl, protocols: [],
        // Authenticate with an empty token (the server has no onAuthenticate hook).
        preamble: [concat(prefix, concat(Uint8Array.of(MESSAGE_AUTH, 0), varString('')))],
        wrap: message => concat(prefix, message),
        unwrap: frame => {
          const [name, start] = readVarString(frame, 0)
          return name === room ? start : -1
        }
      }
    }
    case 'stock':
    case 'floor':
      return { system, room, url: `${wsUrl}/${room}`, protocols: [], preamble: [], wrap: message => message, unwrap: () => 0 }
  }
}

/** A socket that joins with `stateVector` and notes when it opened and when the server's sync step 2 arrived. */
export class StormClient {
  readonly socket: WebSocket
  /** performance.now() when the socket was created, opened, and when sync step 2 arrived. */
  readonly startedAt = performance.now()
  openedAt = Number.NaN
  syncedAt = Number.NaN
  /** WebSocket payload bytes received in all, and up to and including sync step 2. */
  bytesReceived = 0
  bytesAtSync = Number.NaN
  readonly synced: Promise<void>
  private readonly updateListeners = new Set<(update: Buffer) => void>()

  constructor (private readonly plan: JoinPlan, stateVector: Uint8Array) {
    this.socket = new WebSocket(plan.url, plan.protocols, { perMessageDeflate: false })
    this.socket.binaryType = 'nodebuffer'
    this.synced = new Promise((resolve, reject) => {
      this.socket.on('open', () => {
        this.openedAt = performance.now()
        for (const frame of plan.preamble) this.socket.send(frame)
        this.socket.send(plan.wrap(yMessage(MESSAGE_SYNC, SYNC_STEP_1, stateVector)))
      })
      this.socket.on('message', (frame: Buffer) => {
        this.bytesReceived += frame.length
        const start = plan.unwrap(frame)
        if (start < 0 || frame[start] !== MESSAGE_SYNC) return
        const step = frame[start + 1]
        if (step === SYNC_STEP_1) {
          // Nothing the server lacks: answer with an empty step 2, as a client that has written nothing does.
          this.socket.send(plan.wrap(EMPTY_SYNC_STEP_2))
        } else if (step === SYNC_STEP_2 && Number.isNaN(this.syncedAt)) {
          this.syncedAt = performance.now()
          this.bytesAtSync = this.bytesReceived
          resolve()
        } else if (step === SYNC_UPDATE) {
          for (const listener of this.updateListeners) listener(frame.subarray(start))
        }
      })
      this.socket.on('error', reject)
      this.socket.on('close', (code: number, reason: Buffer) => reject(new Error(`${plan.system} closed ${plan.room} before sync: ${code} ${reason.toString()}`)))
    })
    this.synced.catch(() => {})
  }

  /** Sends a Yjs update as a sync update message. */
  sendUpdate (update: Uint8Array): void { this.socket.send(this.plan.wrap(yMessage(MESSAGE_SYNC, SYNC_UPDATE, update))) }

  /** Calls `listener` with every sync update message the server sends (the whole message, type first); returns the unsubscribe. */
  onUpdate (listener: (message: Buffer) => void): () => void {
    this.updateListeners.add(listener)
    return () => { this.updateListeners.delete(listener) }
  }

  /** Closes without waiting for the close handshake to finish (the relay still sees a clean close frame). */
  close (): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.socket.terminate(); resolve() }, 2000)
      this.socket.once('close', () => { clearTimeout(timer); resolve() })
      if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate()
      else this.socket.close()
    })
  }
}
