// Counts every accepted socket by address, and apart those whose first request has not arrived; past a cap a socket is answered and closed at once.
import type { Socket } from 'node:net'
import { SparingLog, type Logger } from '../log'
import type { RelayLimits } from './limits'

export type SocketRefusal = 'too-many-connections' | 'too-many-pending-from-address' | 'too-many-pending'

/** What a refused socket is answered. */
const REFUSAL_ANSWER: Record<SocketRefusal, { status: string; text: string }> = {
  'too-many-connections': { status: '429 Too Many Requests', text: 'too many connections from this address' },
  'too-many-pending-from-address': { status: '429 Too Many Requests', text: 'too many connections being opened from this address' },
  'too-many-pending': { status: '503 Service Unavailable', text: 'the relay is busy: too many connections being opened' }
}

/**
 * How long a refused socket is kept for its peer to read the answer and hang up.
 * NOTE: not destroyed at once: closing a socket whose request is still unread makes the kernel
 * send a reset, and the peer may then lose the answer. Reading it meanwhile costs nothing.
 */
const REFUSED_LINGER_MS = 1000

type AdmissionLimits = Pick<RelayLimits, 'connectionsPerAddress' | 'pendingConnections' | 'pendingPerAddress' | 'firstByteTimeoutMs'>

interface PendingSocket {
  address: string
  /** Closes the socket if it has sent nothing by then. */
  firstByteTimer: ReturnType<typeof setTimeout>
}

const increment = (counts: Map<string, number>, key: string): void => { counts.set(key, (counts.get(key) ?? 0) + 1) }
const decrement = (counts: Map<string, number>, key: string): void => {
  const left = (counts.get(key) ?? 1) - 1
  if (left > 0) counts.set(key, left)
  else counts.delete(key)
}

/**
 * NOTE: counted from the TCP accept rather than from the WebSocket upgrade, because a socket
 * holds a file descriptor from then on: one that trickles its headers slowly, or sends nothing,
 * costs the relay as much as an open connection, and before this it was counted nowhere.
 */
export class SocketAdmission {
  private readonly perAddress = new Map<string, number>()
  private readonly pendingPerAddress = new Map<string, number>()
  private readonly pendingSockets = new Map<Socket, PendingSocket>()
  private readonly refused = new Map<Socket, ReturnType<typeof setTimeout>>()
  private readonly log: SparingLog

  constructor (private readonly limits: AdmissionLimits, log: Logger) {
    this.log = new SparingLog(log)
  }

  /** Sockets accepted whose first request has not fully arrived yet. */
  get pending (): number { return this.pendingSockets.size }

  /** Counts a socket the server has just accepted, or answers it and closes it when a cap is reached. */
  accept (socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown'
    const refusal = this.refusalFor(address)
    if (refusal !== null) return this.refuse(socket, address, refusal)
    increment(this.perAddress, address)
    increment(this.pendingPerAddress, address)
    const firstByteTimer = setTimeout(() => {
      if (socket.bytesRead > 0) return
      this.log.warn('connection-closed', { address, reason: 'silent-connection' })
      socket.destroy()
    }, this.limits.firstByteTimeoutMs)
    firstByteTimer.unref()
    this.pendingSockets.set(socket, { address, firstByteTimer })
    socket.once('close', () => {
      this.arrived(socket)
      decrement(this.perAddress, address)
    })
  }

  /** Whether `socket` was refused when accepted: it has been answered, and its request is to be ignored. */
  wasRefused (socket: object): boolean {
    return this.refused.has(socket as Socket)
  }

  /** The socket's first request has arrived (its headers are in): it is no longer pending. */
  arrived (socket: object): void {
    const pending = this.pendingSockets.get(socket as Socket)
    if (!pending) return
    clearTimeout(pending.firstByteTimer)
    this.pendingSockets.delete(socket as Socket)
    decrement(this.pendingPerAddress, pending.address)
  }

  /** Stops the timers (the server closes the sockets). */
  close (): void {
    for (const pending of this.pendingSockets.values()) clearTimeout(pending.firstByteTimer)
    for (const timer of this.refused.values()) clearTimeout(timer)
  }

  private refusalFor (address: string): SocketRefusal | null {
    if ((this.perAddress.get(address) ?? 0) >= this.limits.connectionsPerAddress) return 'too-many-connections'
    if ((this.pendingPerAddress.get(address) ?? 0) >= this.limits.pendingPerAddress) return 'too-many-pending-from-address'
    if (this.pendingSockets.size >= this.limits.pendingConnections) return 'too-many-pending'
    return null
  }

  private refuse (socket: Socket, address: string, refusal: SocketRefusal): void {
    this.log.warn('connection-refused', { address, reason: refusal })
    const { status, text } = REFUSAL_ANSWER[refusal]
    socket.on('error', () => socket.destroy())
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`)
    const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS)
    linger.unref()
    this.refused.set(socket, linger)
    socket.once('close', () => {
      clearTimeout(linger)
      this.refused.delete(socket)
    })
  }
}
