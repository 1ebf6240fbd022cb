// Timestamps: ISO-8601 UTC strings with milliseconds, so that string order is time order.

/** Exactly what Date.prototype.toISOString() prints for years 0000–9999. */
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export type Timestamp = string

export type Clock = () => Date

export const systemClock: Clock = () => new Date()

export const timestamp = (clock: Clock = systemClock): Timestamp => clock().toISOString()

/** NOTE: also round-trips through Date, which rejects 2024-02-30 and 24:00 that the pattern lets by. */
export const isTimestamp = (value: unknown): value is Timestamp =>
  typeof value === 'string' && TIMESTAMP_PATTERN.test(value) && !Number.isNaN(Date.parse(value)) &&
  new Date(value).toISOString() === value

/**
 * A clock that never repeats or goes back: each reading is at least 1 ms after the last.
 * NOTE: so that one author's messages, sent within the same millisecond, keep their order.
 */
export const monotonicClock = (clock: Clock = systemClock): Clock => {
  let last = -Infinity
  return () => {
    last = Math.max(clock().getTime(), last + 1)
    return new Date(last)
  }
}
