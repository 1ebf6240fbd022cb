// Whether a socket keeps up and still answers: what is queued for it must leave in time, and a quiet one must answer pings.
import type { RelayLimits } from './limits'

export type SocketWatchLimits = Pick<RelayLimits, 'maxBufferedBytes' | 'sendTimeoutMs' | 'pingIntervalMs' | 'pingTimeoutMs'>

/** What to do with a socket now: nothing, ping it, or drop it (and why). */
export type SocketVerdict = 'ok' | 'ping' | 'too-slow' | 'send-timeout' | 'silent'

/**
 * One socket's watch, checked on the relay's timer (not only when something is sent: a reader
 * that asked for a whole room and never reads gets nothing sent after that).
 */
export class SocketWatch {
  /** Bytes ever handed to the socket, framed. */
  private queued = 0
  /** The bytes queued up to `bytes` must have left by `by`. */
  private deadline: { bytes: number; by: number } | null = null
  private heardAt: number
  private pingedAt = -Infinity

  constructor (private readonly limits: SocketWatchLimits, now = performance.now()) {
    this.heardAt = now
  }

  /** `bytes` more were handed to the socket (with their frame headers: they are counted as unsent too). */
  sent (bytes: number): void { this.queued += bytes }

  /** Something arrived from the peer: a frame, a pong, a ping. */
  heard (now = performance.now()): void { this.heardAt = now }

  /**
   * The verdict, given the bytes still unsent now. `paused`: the relay itself is not reading this
   * socket (budgets), so its answers to pings wait in the kernel: it is not judged quiet meanwhile.
   */
  check (unsent: number, now: number, paused: boolean): SocketVerdict {
    if (unsent > this.limits.maxBufferedBytes) return 'too-slow'
    if (unsent === 0) {
      this.deadline = null
    } else if (this.deadline === null || this.queued - unsent >= this.deadline.bytes) {
      // NOTE: a deadline for what is queued now, not for the buffer to be empty: a reader that keeps
      // up with a busy room may never see its buffer empty, but whatever was queued leaves in time.
      this.deadline = { bytes: this.queued, by: now + this.limits.sendTimeoutMs }
    } else if (now > this.deadline.by) {
      return 'send-timeout'
    }
    if (paused) {
      this.heardAt = now
      return 'ok'
    }
    const quiet = now - this.heardAt
    if (quiet >= this.limits.pingIntervalMs + this.limits.pingTimeoutMs) return 'silent'
    if (quiet >= this.limits.pingIntervalMs && this.pingedAt < this.heardAt) {
      this.pingedAt = now
      return 'ping'
    }
    return 'ok'
  }
}
