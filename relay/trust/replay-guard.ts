// Remembers the nonces of accepted tokens until they expire, so that no token is accepted twice.

/** Beyond this many live nonces the relay refuses new connections rather than forget one. */
export const DEFAULT_MAX_NONCES = 1_000_000

export class ReplayGuard {
  /** nonce → when it stops mattering (its token has expired by then). */
  private readonly seen = new Map<string, number>()
  private nextSweep = 0

  constructor (private readonly maxNonces = DEFAULT_MAX_NONCES) {}

  /**
   * Records the nonce; false if it was seen before (a replay) or the guard is full.
   * NOTE: Map keeps insertion order, and every nonce lives the same time, so expired
   * nonces are always at the front: a sweep stops at the first live one.
   */
  admit (nonce: string, forgetAt: number, now = Date.now()): 'admitted' | 'replayed' | 'full' {
    if (now >= this.nextSweep || this.seen.size >= this.maxNonces) this.sweep(now)
    if (this.seen.has(nonce)) return 'replayed'
    if (this.seen.size >= this.maxNonces) return 'full'
    this.seen.set(nonce, forgetAt)
    return 'admitted'
  }

  get size (): number { return this.seen.size }

  private sweep (now: number): void {
    this.nextSweep = now + 1000
    for (const [nonce, forgetAt] of this.seen) {
      if (forgetAt > now) break
      this.seen.delete(nonce)
    }
  }
}
