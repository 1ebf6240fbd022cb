// Open-loop load: each message has a fixed send time, kept however slow the system under test is (no coordinated omission).

export interface OpenLoopOptions {
  /** How many sends. */
  count: number
  /** When send 0 is due (performance.now() clock). */
  startAt: number
  /** Time between two sends, ms. */
  intervalMs: number
  /** Sends number `index`; must not block. */
  send: (index: number) => void
  now?: () => number
}

/** When send `index` is due. */
export const dueAt = (startAt: number, intervalMs: number, index: number): number => startAt + index * intervalMs

/** How many of `count` sends are due at `now` (all that are due go out at once when the loop runs late). */
export const dueCount = (now: number, startAt: number, intervalMs: number, count: number): number => {
  if (now < startAt) return 0
  if (intervalMs <= 0) return count
  return Math.min(count, Math.floor((now - startAt) / intervalMs) + 1)
}

/**
 * How long to sleep on a timer before the next send, leaving the rest to a setImmediate spin.
 * NOTE: Node's timers fire up to ~1 ms late; spinning the last stretch makes sends punctual, but a
 * spin costs the generator's CPU, so it may take at most a tenth of the interval (and 1.5 ms).
 */
export const timerSleepMs = (waitMs: number, intervalMs: number): number => {
  const spin = Math.min(1.5, intervalMs / 10)
  return waitMs - spin >= 1 ? Math.floor(waitMs - spin) : 0
}

/**
 * Calls `send(i)` for every i at `startAt + i * intervalMs` or as soon after as the event loop
 * allows, never waiting for a reply. Resolves with each send's lateness (ms after its due time),
 * which a latency measured from the due time already includes.
 */
export const runOpenLoop = ({ count, startAt, intervalMs, send, now = () => performance.now() }: OpenLoopOptions): Promise<number[]> => {
  const lateness: number[] = []
  let next = 0
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      try {
        const due = dueCount(now(), startAt, intervalMs, count)
        while (next < due) {
          lateness.push(now() - dueAt(startAt, intervalMs, next))
          send(next++)
        }
      } catch (error) {
        reject(error)
        return
      }
      if (next >= count) return resolve(lateness)
      const sleep = timerSleepMs(dueAt(startAt, intervalMs, next) - now(), intervalMs)
      if (sleep > 0) setTimeout(tick, sleep)
      else setImmediate(tick)
    }
    tick()
  })
}
