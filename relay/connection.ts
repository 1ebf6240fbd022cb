// WebSocket connections: one room per socket (the upstream provider's way) or many rooms on one (mux).
import WebSocket from 'ws'
import { decodeMuxFrame, encodeMuxFrame, type MuxFrameParts } from '../shared/wire'
import { CloseCode, MAX_MUX_ROOMS, MuxFrame, parseRoom } from '../shared/protocol'
import type { Logger } from './log'
import { RoomMembership } from './membership'
import type { RoomRegistry } from './rooms'
import type { AuthenticatedUser } from './trust/authenticate'

export interface ConnectionContext {
  registry: RoomRegistry
  log: Logger
  /** Every open connection, so shutdown and storage failures can reach them. */
  connections: Set<Connection>
}

/** A socket and the rooms it is in. */
export abstract class Connection {
  private closed = false
  /** Whether this connection's trouble has been logged: once is enough. */
  private logged = false

  constructor (
    protected readonly socket: WebSocket,
    readonly address: string,
    /** Who proved, in the upgrade, to hold this user's key. */
    readonly user: AuthenticatedUser,
    protected readonly context: ConnectionContext
  ) {
    context.connections.add(this)
    // NOTE: without an 'error' listener, ws rethrows socket errors (a frame with reserved bits
    // set, an oversized frame) as uncaught exceptions: that is how one frame kills the stock server.
    socket.on('error', error => this.logOnce('socket-error', error.message))
    socket.on('message', (data, isBinary) => {
      if (this.closed) return
      if (!isBinary) this.fail(CloseCode.unsupportedData, 'binary frames only')
      else this.receive(toUint8Array(data))
    })
    socket.on('close', () => {
      this.closed = true
      context.connections.delete(this)
      this.endMemberships()
    })
  }

  /** The rooms this connection is in. */
  abstract rooms (): Iterable<string>
  protected abstract receive (frame: Uint8Array): void
  protected abstract endMemberships (): void

  protected sendFrame (frame: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame)
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

  /** Closes this connection only, logging why once. */
  fail (code: number, reason: string): void {
    this.logOnce('connection-rejected', reason, code)
    this.close(code, reason)
  }

  private logOnce (event: string, reason: string, code?: number): void {
    if (this.logged) return
    this.logged = true
    this.context.log.warn(event, { user: this.user.user_id, rooms: [...this.rooms()].slice(0, 3).join(' '), address: this.address, reason, code })
  }
}

/** One room per socket: the room is the URL path, every frame is one y-websocket message. */
export class RoomConnection extends Connection {
  private readonly membership: RoomMembership

  constructor (socket: WebSocket, readonly roomName: string, address: string, user: AuthenticatedUser, context: ConnectionContext) {
    super(socket, address, user, context)
    this.membership = new RoomMembership(roomName, context.registry, {
      send: message => this.sendFrame(message),
      fail: (code, reason) => this.fail(code, reason),
      log: context.log
    })
  }

  rooms (): Iterable<string> { return [this.roomName] }
  protected receive (frame: Uint8Array): void { this.membership.receive(frame) }
  protected endMemberships (): void { this.membership.end() }
}

/**
 * Many rooms on one socket (path /mux), so that a client in hundreds of conversations holds
 * one socket. Each frame is [kind][room][payload] (see MuxFrame in shared/protocol.ts).
 */
export class MuxConnection extends Connection {
  private readonly memberships = new Map<string, RoomMembership>()

  rooms (): Iterable<string> { return this.memberships.keys() }

  protected receive (frame: Uint8Array): void {
    let parts: MuxFrameParts
    try {
      parts = decodeMuxFrame(frame)
    } catch {
      this.fail(CloseCode.badMessage, 'malformed')
      return
    }
    const { kind, room, payload } = parts
    switch (kind) {
      case MuxFrame.join: return this.join(room)
      case MuxFrame.leave:
        this.memberships.get(room)?.end()
        this.memberships.delete(room)
        return
      case MuxFrame.message: {
        const membership = this.memberships.get(room)
        if (!membership) return this.fail(CloseCode.badMessage, 'message for a room not joined')
        membership.receive(payload)
        return
      }
      default:
        this.fail(CloseCode.badMessage, 'unknown-message-type')
    }
  }

  private join (room: string): void {
    if (this.memberships.has(room)) return
    if (parseRoom(room) === null) return this.fail(CloseCode.badMessage, 'unknown room')
    if (this.memberships.size >= MAX_MUX_ROOMS) return this.fail(CloseCode.badMessage, 'too many rooms')
    this.memberships.set(room, new RoomMembership(room, this.context.registry, {
      send: message => this.sendFrame(encodeMuxFrame(MuxFrame.message, room, message)),
      fail: (code, reason) => this.fail(code, reason),
      log: this.context.log
    }))
  }

  protected endMemberships (): void {
    for (const membership of this.memberships.values()) membership.end()
    this.memberships.clear()
  }
}

const toUint8Array = (data: WebSocket.RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
