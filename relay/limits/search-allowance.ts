// How often each user may search for people, over all their connections at once.
import { TokenBucket } from './token-bucket'

/** Users whose allowance is remembered before those back to a full one are forgotten. */
const REMEMBERED = 10_000

/**
 * NOTE: per user, not per connection: one user may hold many connections (connectionsPerUser),
 * and each would otherwise bring its own allowance. A forgotten allowance was full, exactly what a
 * new one is, so forgetting those changes nothing but memory.
 */
export class SearchAllowance {
  private readonly allowances = new Map<string, TokenBucket>()

  constructor (private readonly perMinute: number, private readonly burst: number) {}

  /** Takes one search from the user's allowance; false when they have searched too often. */
  take (user_id: string, now = performance.now()): boolean {
    let allowance = this.allowances.get(user_id)
    if (!allowance) {
      if (this.allowances.size >= REMEMBERED) this.forgetFull(now)
      allowance = new TokenBucket(this.perMinute / 60, this.burst, now)
      this.allowances.set(user_id, allowance)
    }
    if (allowance.waitFor(1, now) > 0) return false
    allowance.take(1, now)
    return true
  }

  /** Users remembered now. */
  get size (): number { return this.allowances.size }

  private forgetFull (now: number): void {
    for (const [user_id, allowance] of this.allowances) if (allowance.balance(now) >= this.burst) this.allowances.delete(user_id)
  }
}
