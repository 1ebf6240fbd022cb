// One WebSocket connection to one room: frames in, messages out, and a clear close for anything wrong.
import WebSocket from 'ws'
import { CloseCode } from '../shared/protocol'
import type { Logger } from './log'
import { ProtocolViolation, type Peer, type Room } from './room'
import type { RoomRegistry } from './rooms'

/** A client sends a handful of frames before its room is ready (sync step 1, awareness); a flood is not a client. */
const MAX_EARLY_FRAMES = 256

export interface ConnectionContext {
  registry: RoomRegistry
  log: Logger
  /** Every open connection, so shutdown and storage failures can reach them. */
  connections: Map<WebSocket, Connection>
}

export class Connection implements Peer {
  readonly awarenessClients = new Set<number>()
  private room: Room | null = null
  /** Frames that arrived while the room was loading, handled in order once it is ready. */
  private early: Uint8Array[] | null = []
  private closed = false
  /** Whether this connection's trouble has been logged: once is enough. */
  private logged = false

  constructor (
    private readonly socket: WebSocket,
    readonly roomName: string,
    readonly address: string,
    private readonly context: ConnectionContext
  ) {
    context.connections.set(socket, this)
    // NOTE: without an 'error' listener, ws rethrows socket errors (a frame with reserved bits
    // set, an oversized frame) as uncaught exceptions: that is how one frame kills the stock server.
    socket.on('error', error => this.logOnce('socket-error', error.message))
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary))
    socket.on('close', () => this.onClose())
    context.registry.join(roomName, this).then(room => {
      if (this.closed) {
        context.registry.leave(room, this)
        return
      }
      this.room = room
      const early = this.early ?? []
      this.early = null
      for (const message of early) if (!this.closed) this.handle(message)
    }, (error: Error) => {
      context.log.error('room-load-failed', { room: roomName, error: error.message })
      this.close(CloseCode.storageFailure, 'room could not be loaded')
    })
  }

  send (message: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(message)
  }

  close (code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.socket.close(code, reason)
  }

  /** Drops the socket without waiting for the close handshake (shutdown). */
  terminate (): void {
    this.closed = true
    this.socket.terminate()
  }

  private onFrame (data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closed) return
    if (!isBinary) {
      this.reject(CloseCode.unsupportedData, 'binary frames only')
      return
    }
    const message = toUint8Array(data)
    if (this.early === null) {
      this.handle(message)
    } else if (this.early.length < MAX_EARLY_FRAMES) {
      this.early.push(message)
    } else {
      this.reject(CloseCode.badMessage, 'too many frames before the room loaded')
    }
  }

  private handle (message: Uint8Array): void {
    try {
      this.room!.receive(this, message)
    } catch (error) {
      if (error instanceof ProtocolViolation) {
        this.reject(CloseCode.badMessage, error.reason)
        return
      }
      // A bug of ours must cost this connection, never the process.
      this.context.log.error('internal-error', { room: this.roomName, error: (error as Error).stack ?? String(error) })
      this.close(CloseCode.internalError, 'internal error')
    }
  }

  /** Closes this connection only, logging why once. */
  private reject (code: number, reason: string): void {
    this.logOnce('connection-rejected', reason, code)
    this.close(code, reason)
  }

  private logOnce (event: string, reason: string, code?: number): void {
    if (this.logged) return
    this.logged = true
    this.context.log.warn(event, { room: this.roomName, address: this.address, reason, code })
  }

  private onClose (): void {
    this.closed = true
    this.context.connections.delete(this.socket)
    if (this.room) this.context.registry.leave(this.room, this)
  }
}

const toUint8Array = (data: WebSocket.RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
