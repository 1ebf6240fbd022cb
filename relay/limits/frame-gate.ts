// A connection's incoming frames, each handled only once its user's CPU budget and the relay's can cover it; the rest wait unread.
import type WebSocket from 'ws'
import type { CloseReason } from '../../shared/protocol'
import { estimateCostMs, type UserCpu, type WaitReason } from './cpu-budgets'
import { TokenBucket } from './token-bucket'

/**
 * Debt past which a connection is closed rather than slowed down: a frame that cost this much
 * more than its user had, which stalled every other client of the relay meanwhile.
 */
const MAX_CPU_DEBT_MS = 1000

export interface FrameGateOptions {
  socket: Pick<WebSocket, 'pause' | 'resume'>
  cpu: UserCpu
  messagesPerSecond: number
  /** Frames held here at most (bytes): ws hands over what it has already read after a pause, no more. */
  maxHeldBytes: number
  /** Does the work a frame asks for. */
  handle (frame: Uint8Array): void
  fail (reason: CloseReason): void
  /** Told when this connection is slowed down: by its own message rate, or by CPU (its user's or the relay's). */
  throttled (reason: WaitReason | 'message-rate', waitMs: number): void
}

export class FrameGate {
  private readonly messageBudget: TokenBucket
  /** Frames received while paused, handled in order once it resumes. */
  private readonly held: Uint8Array[] = []
  private heldBytes = 0
  private resumeTimer: ReturnType<typeof setTimeout> | null = null
  private closed = false

  constructor (private readonly options: FrameGateOptions) {
    this.messageBudget = new TokenBucket(options.messagesPerSecond, 4 * options.messagesPerSecond)
  }

  /** Whether the relay has stopped reading this socket for now. */
  get paused (): boolean { return this.resumeTimer !== null }

  receive (frame: Uint8Array): void {
    if (this.closed) return
    if (this.held.length === 0 && this.resumeTimer === null) {
      this.run(frame)
      return
    }
    // NOTE: after socket.pause(), ws still hands over the frames of what it has read already.
    if (this.heldBytes + frame.byteLength > this.options.maxHeldBytes) return this.fail('too many frames while paused')
    this.held.push(frame)
    this.heldBytes += frame.byteLength
  }

  /** Stops for good: nothing held is handled any more. */
  close (): void {
    this.closed = true
    if (this.resumeTimer) clearTimeout(this.resumeTimer)
    this.resumeTimer = null
    this.held.length = 0
    this.heldBytes = 0
  }

  /**
   * Handles `frame` if the budgets cover its estimate, then charges the time really spent; else
   * keeps it, first in line, and pauses. False when it was kept.
   */
  private run (frame: Uint8Array): boolean {
    const { cpu, handle, throttled } = this.options
    // NOTE: estimated before the work, from its size: charged only afterwards, one huge frame
    // would cost its seconds before anything could stop it.
    const estimate = estimateCostMs(frame.byteLength)
    const admission = cpu.admit(estimate, performance.now())
    if (admission === 'too-costly') {
      this.fail('too-costly')
      return true
    }
    if (admission !== null) {
      this.held.unshift(frame)
      this.heldBytes += frame.byteLength
      throttled(admission.reason, admission.waitMs)
      this.pause(admission.waitMs)
      return false
    }
    const started = performance.now()
    handle(frame)
    const now = performance.now()
    this.messageBudget.take(1, now)
    // NOTE: at least the estimate: frames sent before their room has loaded cost nothing here and
    // are handled later, out of this gate's sight (membership.ts); charged so, they stay within budget.
    if (cpu.charge(Math.max(now - started, estimate), now) < -MAX_CPU_DEBT_MS) {
      this.fail('too-costly')
      return true
    }
    const wait = this.messageBudget.waitMs(now)
    if (wait > 0 && !this.closed) {
      throttled('message-rate', wait)
      this.pause(wait)
    }
    return true
  }

  /** Ends the connection; nothing held is handled any more. */
  private fail (reason: CloseReason): void {
    this.close()
    this.options.fail(reason)
  }

  /** Stops reading (frames wait in the kernel, not in the relay) for `waitMs`. */
  private pause (waitMs: number): void {
    if (this.closed || this.resumeTimer) return
    this.options.socket.pause()
    this.resumeTimer = setTimeout(() => this.resume(), waitMs)
  }

  private resume (): void {
    this.resumeTimer = null
    while (this.held.length > 0 && !this.closed) {
      const frame = this.held.shift()!
      this.heldBytes -= frame.byteLength
      if (!this.run(frame) || this.resumeTimer) return
    }
    if (!this.closed) this.options.socket.resume()
  }
}
