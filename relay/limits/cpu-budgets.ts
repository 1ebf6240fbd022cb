// CPU time for the relay's work on incoming frames: a budget per user, shared by all their connections, and one for the whole relay, shared fairly.
import type { RelayLimits } from './limits'
import { TokenBucket } from './token-bucket'

/**
 * The relay's time per byte of an incoming frame, to estimate its cost before doing the work.
 * NOTE: measured here (Node 20, Yjs 13.6.33) for judging and applying an update, warmed up,
 * when the judge still tried each update on a copy of the room first (so today's cost is lower), on
 * updates as clients send them: a full bucket of 1,000 short messages in one update (a sync
 * step 2 after time away) 38–60 ns a byte; 200 read marks of 20 senders 48–116; dense read
 * marks of 1,000 senders each 57–120; a bucket of 750 messages of 4,000 characters 6–9 (long
 * strings are cheap); small single-message updates 70–550 (a fixed ~30–80 µs per update, which
 * matters little: such frames are tiny). 50 is the middle of the large updates, the ones an
 * estimate is for: a 4 MiB frame is then ~210 ms, within a user's default burst of 400 ms, so the
 * largest frame still fits. The estimate only decides whether to wait; the time really spent is
 * what is charged afterwards.
 */
export const NS_PER_BYTE = 50

/** What handling a frame of `bytes` is expected to cost, in ms. */
export const estimateCostMs = (bytes: number): number => (bytes * NS_PER_BYTE) / 1e6

/**
 * Time over which "recently spent" is measured (an exponential decay with this time constant):
 * a user spending r ms a second steadily has spent ~r ms recently.
 */
const RECENT_MS = 1000
/** A user who spent less than this recently does not count among those sharing the relay. */
const ACTIVE_MS = 0.05
/** How long a computed fair share is reused before being computed again (it takes a pass over every user). */
const SHARE_REFRESH_MS = 100

/** Why a frame must wait: its user's own budget is spent, or the relay is busy and this user has had more than a fair share. */
export type WaitReason = 'user-budget' | 'relay-share'
/** Go (null), wait this long, or never: more than the user may ever spend at once. */
export type Admission = null | { waitMs: number; reason: WaitReason } | 'too-costly'

/** One user's budget, shared by every connection of theirs. */
export class UserCpu {
  readonly budget: TokenBucket
  /** Open connections; the budget is forgotten only once none is left and it is full again. */
  connections = 0
  /** Whether this user's waiting has been logged: once is enough. */
  logged = false
  private recent = 0
  private recentAt: number

  constructor (private readonly relay: CpuBudgets, rate: number, now: number) {
    this.budget = new TokenBucket(rate, 4 * rate, now)
    this.recentAt = now
  }

  /** ms spent recently (decayed). */
  recentMs (now: number): number {
    if (now > this.recentAt) {
      this.recent *= Math.exp((this.recentAt - now) / RECENT_MS)
      this.recentAt = now
    }
    return this.recent
  }

  /** Whether a frame estimated at `estimateMs` may be handled now, and if not, how long it waits. */
  admit (estimateMs: number, now: number): Admission {
    const userWait = this.budget.waitFor(estimateMs, now)
    if (userWait === Infinity) return 'too-costly'
    const relayWait = this.relay.waitFor(this, estimateMs, now)
    if (userWait === 0 && relayWait === 0) return null
    return userWait >= relayWait ? { waitMs: userWait, reason: 'user-budget' } : { waitMs: relayWait, reason: 'relay-share' }
  }

  /** Charges time spent on this user's frame to the user and to the relay; returns the user's balance. */
  charge (ms: number, now: number): number {
    this.recent = this.recentMs(now) + ms
    this.relay.charge(ms, now)
    return this.budget.take(ms, now)
  }
}

/**
 * Every user's budget, and the relay's. NOTE: fairness, so that no number of users can take the
 * relay from the others. While the relay's budget covers a frame, it goes (each user still within
 * their own budget). While it does not (the relay is busy), a frame goes only if its user's recent
 * spending plus the frame stays within an equal share of the relay among the users active
 * recently; the others wait until the relay's budget covers it again. So the heaviest users wait
 * first and light ones (a message, a read mark: well under a share) go on even while the relay is
 * busy; since the users together spend more than the relay has only when some spend more than an
 * equal share, someone is always above it to be held back. Chosen over strict equal slices of
 * the relay per user because it costs nothing while the relay is not busy.
 */
export class CpuBudgets {
  private readonly users = new Map<string, UserCpu>()
  private readonly relay: TokenBucket
  private share = { ms: 0, until: -Infinity }

  constructor (private readonly limits: Pick<RelayLimits, 'cpuMsPerSecond' | 'relayCpuMsPerSecond'>, now = performance.now()) {
    this.relay = new TokenBucket(limits.relayCpuMsPerSecond, limits.relayCpuMsPerSecond, now)
  }

  /** The budget of `user_id`, for one more connection of theirs. */
  open (user_id: string, now = performance.now()): UserCpu {
    let user = this.users.get(user_id)
    if (!user) this.users.set(user_id, user = new UserCpu(this, this.limits.cpuMsPerSecond, now))
    user.connections++
    return user
  }

  /** One connection of `user_id` closed. */
  close (user_id: string): void {
    const user = this.users.get(user_id)
    if (user) user.connections--
  }

  /**
   * Forgets the budgets of users with no connection left, once full again. NOTE: not as soon as the
   * last connection closes, or reconnecting would be a way to a fresh burst.
   */
  sweep (now = performance.now()): void {
    for (const [user_id, user] of this.users) {
      if (user.connections <= 0 && user.budget.balance(now) >= user.budget.burst) this.users.delete(user_id)
    }
  }

  /** Users whose budget is kept now. */
  get size (): number { return this.users.size }

  /** How long `user`'s frame estimated at `estimateMs` must wait for the relay's share (0: it may go now). */
  waitFor (user: UserCpu, estimateMs: number, now: number): number {
    // A frame bigger than the relay's burst waits for a full budget, not forever.
    const need = Math.min(estimateMs, this.relay.burst)
    if (this.relay.balance(now) >= need) return 0
    if (user.recentMs(now) + estimateMs <= this.fairShareMs(now)) return 0
    return this.relay.waitFor(need, now)
  }

  charge (ms: number, now: number): void {
    this.relay.take(ms, now)
  }

  /** An equal share of what the relay gives in RECENT_MS, among the users active in it. */
  private fairShareMs (now: number): number {
    if (now >= this.share.until) {
      let active = 0
      for (const user of this.users.values()) if (user.recentMs(now) >= ACTIVE_MS) active++
      this.share = { ms: (this.limits.relayCpuMsPerSecond * RECENT_MS) / 1000 / Math.max(1, active), until: now + SHARE_REFRESH_MS }
    }
    return this.share.ms
  }
}
