// A token bucket: a sustained rate with room for bursts, for messages and for CPU time.

export class TokenBucket {
  private tokens: number
  private last: number

  /** `rate` tokens per second, at most `burst` saved up. */
  constructor (readonly rate: number, readonly burst: number, now = performance.now()) {
    this.tokens = burst
    this.last = now
  }

  /** Takes `cost` tokens (the balance may go negative); returns the balance. */
  take (cost: number, now = performance.now()): number {
    this.refill(now)
    this.tokens -= cost
    return this.tokens
  }

  /** The balance now, without taking anything. */
  balance (now = performance.now()): number {
    this.refill(now)
    return this.tokens
  }

  /** Milliseconds until the balance is back to zero (0 if it is not negative). */
  waitMs (now = performance.now()): number {
    return this.waitFor(0, now)
  }

  /** Milliseconds until the balance covers `cost` (0 if it does now); Infinity if it never can (more than the burst). */
  waitFor (cost: number, now = performance.now()): number {
    if (cost > this.burst) return Infinity
    this.refill(now)
    return this.tokens >= cost ? 0 : Math.ceil(((cost - this.tokens) / this.rate) * 1000)
  }

  private refill (now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
  }
}
