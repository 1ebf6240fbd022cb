// WebSocket connections: what every socket gets (budgets, watch, limits), and one room per socket (the upstream provider's way).
import type { Duplex } from 'node:stream'
import WebSocket from 'ws'
import { closeCodeOf, type CloseReason } from '../shared/protocol'
import type { Logger } from './log'
import { RoomMembership } from './membership'
import type { RoomRegistry } from './rooms'
import type { AccessGate } from './access/access-gate'
import type { CpuBudgets, UserCpu, WaitReason } from './limits/cpu-budgets'
import { FrameGate } from './limits/frame-gate'
import type { RelayLimits } from './limits/limits'
import { SocketWatch } from './limits/socket-watch'
import { MAX_PREFRAMED_BYTES, frameHeaderBytes, framedOnce } from './websocket-frame'
import type { AuthenticatedUser } from './auth/authenticate'

export interface ConnectionContext {
  registry: RoomRegistry
  access: AccessGate
  limits: RelayLimits
  /** Rooms each user is in now, over all their connections. */
  roomsPerUser: Map<string, number>
  /** CPU time: each user's budget and the relay's. */
  cpu: CpuBudgets
  log: Logger
  /** Every open connection, so shutdown and storage failures can reach them. */
  connections: Set<Connection>
}

/** Bytes a connection may hold while paused, beyond its largest frame (ws hands over what it has read already). */
const HELD_BYTES_BEYOND_A_FRAME = 1024 * 1024

/** A socket and the rooms it is in. */
export abstract class Connection {
  private closed = false
  /** Whether this connection's trouble has been logged: once is enough. */
  private logged = false
  /** Whether this connection has been slowed down for its message rate before (logged once). */
  private throttled = false
  private readonly cpu: UserCpu
  private readonly gate: FrameGate
  private readonly watch: SocketWatch

  constructor (
    protected readonly socket: WebSocket,
    /** The TCP stream under `socket`: messages framed here are written to it directly (websocket-frame.ts). */
    private readonly stream: Duplex,
    readonly address: string,
    /** Who proved, in the upgrade, to hold this user's key. */
    readonly user: AuthenticatedUser,
    protected readonly context: ConnectionContext
  ) {
    context.connections.add(this)
    const { limits } = context
    this.cpu = context.cpu.open(user.user_id)
    this.watch = new SocketWatch(limits)
    this.gate = new FrameGate({
      socket,
      cpu: this.cpu,
      messagesPerSecond: limits.messagesPerSecond,
      maxHeldBytes: limits.maxFrameBytes + HELD_BYTES_BEYOND_A_FRAME,
      handle: frame => { if (!this.closed) this.receive(frame) },
      fail: reason => this.fail(reason),
      throttled: (reason, waitMs) => this.noteThrottled(reason, waitMs)
    })
    // NOTE: without an 'error' listener, ws rethrows socket errors (a frame with reserved bits
    // set, an oversized frame) as uncaught exceptions: that is how one frame kills the stock server.
    socket.on('error', error => this.logOnce('socket-error', error.message))
    socket.on('message', (data, isBinary) => {
      if (this.closed) return
      this.watch.heard()
      if (!isBinary) return this.fail('binary-frames-only')
      this.gate.receive(toUint8Array(data))
    })
    socket.on('pong', () => this.watch.heard())
    socket.on('ping', () => this.watch.heard())
    socket.on('close', () => {
      this.closed = true
      this.gate.close()
      context.cpu.close(user.user_id)
      context.connections.delete(this)
      this.endMemberships()
    })
  }

  /** The rooms this connection is in. */
  abstract rooms (): Iterable<string>
  /** Its memberships, one per room. */
  abstract memberships (): Iterable<RoomMembership>
  protected abstract receive (frame: Uint8Array): void
  protected abstract endMemberships (): void

  /** Logs the first slowing down of this connection (message rate) or of its user (CPU). */
  private noteThrottled (reason: WaitReason | 'message-rate', waitMs: number): void {
    const fields = { user: this.user.user_id, address: this.address, reason, waitMs }
    if (reason === 'message-rate') {
      if (this.throttled) return
      this.throttled = true
      this.context.log.info('connection-throttled', fields)
    } else {
      if (this.cpu.logged) return
      this.cpu.logged = true
      this.context.log.info('user-throttled', fields)
    }
  }

  /**
   * Bytes queued for the client and not yet handed to the kernel. NOTE: ws's bufferedAmount
   * counts the TCP stream's own buffer (where frames framed here are written directly) and what
   * ws holds back; the stream's is counted on its own too, in case ws ever stops including it.
   */
  unsentBytes (): number {
    return Math.max(this.socket.bufferedAmount, this.stream.writableLength)
  }

  /** Pings it when quiet, or drops it when it no longer keeps up or answers; the relay's timer calls this. */
  checkSocket (now = performance.now()): void {
    if (this.closed) return
    switch (this.watch.check(this.unsentBytes(), now, this.gate.paused)) {
      case 'too-slow': return this.drop('too slow to keep up')
      case 'send-timeout': return this.drop('send-timeout')
      case 'silent':
        // Nothing can reach a peer that is gone, not even a close frame.
        this.logOnce('connection-silent', 'no answer to ping')
        return this.terminate()
      case 'ping':
        if (this.socket.readyState !== WebSocket.OPEN) return
        this.socket.ping()
        this.watch.sent(frameHeaderBytes(0))
    }
  }

  protected sendFrame (frame: Uint8Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) return
    // A reader that cannot keep up would make the relay hold ever more for it.
    if (this.unsentBytes() > this.context.limits.maxBufferedBytes) return this.drop('too slow to keep up')
    // NOTE: both ways write synchronously to the same stream, so frames keep their order.
    if (frame.byteLength <= MAX_PREFRAMED_BYTES) {
      const framed = framedOnce(frame)
      this.stream.write(framed)
      this.watch.sent(framed.byteLength)
    } else {
      this.socket.send(frame)
      this.watch.sent(frameHeaderBytes(frame.byteLength) + frame.byteLength)
    }
  }

  /** Drops a reader that does not keep up: told why if the close frame gets through, gone either way. */
  private drop (reason: 'too slow to keep up' | 'send-timeout'): void {
    this.fail(reason)
    this.terminate()
  }

  /** Counts a room joined (false, and nothing counted, when the user is in as many as allowed). */
  protected countRoom (): boolean {
    const rooms = this.context.roomsPerUser.get(this.user.user_id) ?? 0
    if (rooms >= this.context.limits.roomsPerUser) return false
    this.context.roomsPerUser.set(this.user.user_id, rooms + 1)
    return true
  }

  protected uncountRoom (): void {
    const rooms = (this.context.roomsPerUser.get(this.user.user_id) ?? 1) - 1
    if (rooms > 0) this.context.roomsPerUser.set(this.user.user_id, rooms)
    else this.context.roomsPerUser.delete(this.user.user_id)
  }

  /** Closes with `reason` and its code (shared/protocol/close-codes.ts). */
  close (reason: CloseReason): void {
    if (this.closed) return
    this.closed = true
    this.socket.close(closeCodeOf(reason), reason)
  }

  /** Drops the socket without waiting for the close handshake (shutdown, a reader that does not keep up, a silent peer). */
  terminate (): void {
    this.closed = true
    this.socket.terminate()
  }

  /** Closes this connection only, logging why once. */
  fail (reason: CloseReason): void {
    this.logOnce('connection-rejected', reason, closeCodeOf(reason))
    this.close(reason)
  }

  private logOnce (event: string, reason: string, code?: number): void {
    if (this.logged) return
    this.logged = true
    this.context.log.warn(event, { user: this.user.user_id, rooms: [...this.rooms()].slice(0, 3).join(' '), address: this.address, reason, code })
  }
}

/** One room per socket: the room is the URL path, every frame is one y-websocket message. */
export class RoomConnection extends Connection {
  private readonly membership: RoomMembership | null = null

  constructor (socket: WebSocket, stream: Duplex, readonly roomName: string, address: string, user: AuthenticatedUser, context: ConnectionContext) {
    super(socket, stream, address, user, context)
    if (!this.countRoom()) {
      this.close('too-many-rooms')
      return
    }
    this.membership = new RoomMembership(roomName, user.user_id, context, {
      send: message => this.sendFrame(message),
      fail: reason => this.fail(reason),
      // The socket is this one room: refusing the room ends it (4403 and the reason).
      deny: reason => this.close(reason),
      log: context.log
    })
  }

  rooms (): Iterable<string> { return this.membership ? [this.roomName] : [] }
  memberships (): Iterable<RoomMembership> { return this.membership ? [this.membership] : [] }
  protected receive (frame: Uint8Array): void { this.membership?.receive(frame) }

  protected endMemberships (): void {
    if (!this.membership) return
    this.membership.end()
    this.uncountRoom()
  }
}

const toUint8Array = (data: WebSocket.RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
