// Timestamps: ISO-8601 UTC strings with milliseconds, so that string order is time order.

/** Exactly what Date.prototype.toISOString() prints for years 0000–9999. */
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export type Timestamp = string

export type Clock = () => Date

export const systemClock: Clock = () => new Date()

export const timestamp = (clock: Clock = systemClock): Timestamp => clock().toISOString()

export const isTimestamp = (value: unknown): value is Timestamp =>
  typeof value === 'string' && TIMESTAMP_PATTERN.test(value) && !Number.isNaN(Date.parse(value))
