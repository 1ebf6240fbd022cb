// Awareness renewals as y-protocols clients make them (every 15 s), spread evenly over the period and sent open loop.
import { dueAt, dueCount } from './open-loop'

/** y-protocols renews a client's own state once it is half the 30 s outdatedTimeout old. */
export const RENEWAL_PERIOD_MS = 15_000

export interface Renewals {
  /** Renewals sent so far. */
  readonly sent: number
  stop(): void
}

/**
 * Calls `renew(i)` for each of `count` clients once per `periodMs`, client i at phase
 * i·period/count, so the relay sees a steady stream rather than bursts. Open loop: what is due
 * goes out even when the event loop ran late. Resolution is a few ms, plenty for renewals.
 */
export const startRenewals = (count: number, renew: (index: number) => void, periodMs = RENEWAL_PERIOD_MS): Renewals => {
  const intervalMs = periodMs / Math.max(1, count)
  const startAt = performance.now()
  let next = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  const tick = (): void => {
    timer = null
    const due = dueCount(performance.now(), startAt, intervalMs, Number.MAX_SAFE_INTEGER)
    while (next < due) renew(next++ % count)
    const wait = dueAt(startAt, intervalMs, next) - performance.now()
    timer = setTimeout(tick, Math.max(2, Math.min(50, wait)))
  }
  if (count > 0) tick()
  return {
    get sent () { return next },
    stop: () => { if (timer) clearTimeout(timer) }
  }
}
