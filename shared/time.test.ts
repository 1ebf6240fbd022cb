import { describe, expect, it } from 'vitest'
import { isTimestamp } from './time'

/** What isTimestamp must agree with: exactly what Date prints, and reads back the same. */
const roundTrips = (value: string): boolean => !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value

describe('isTimestamp', () => {
  it('accepts exactly the strings that round-trip through Date, calendar included', () => {
    const cases = [
      '2024-02-29T00:00:00.000Z', '2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z', '2024-04-30T23:59:59.999Z', '2024-12-31T24:00:00.000Z', '2024-12-31T23:60:00.000Z',
      '2024-12-31T23:59:60.000Z', '0000-01-01T00:00:00.000Z', '0000-02-29T00:00:00.000Z', '9999-12-31T23:59:59.999Z',
      '2024-00-10T00:00:00.000Z', '2024-13-10T00:00:00.000Z', '2024-01-00T00:00:00.000Z', '2024-01-32T00:00:00.000Z'
    ]
    for (const value of cases) expect(isTimestamp(value), value).toBe(roundTrips(value))
    // Every day of a leap year and of a common one, and every month's first invalid day.
    for (const year of [2023, 2024]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 32; day++) {
          const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:30:45.678Z`
          expect(isTimestamp(value), value).toBe(roundTrips(value))
        }
      }
    }
  })

  it('rejects what is not an ISO-8601 UTC string with milliseconds', () => {
    for (const value of [null, 0, Date.now(), '2024-01-01', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+00:00', '+002024-01-01T00:00:00.000Z', ' 2024-01-01T00:00:00.000Z', '２０２４-01-01T00:00:00.000Z']) {
      expect(isTimestamp(value)).toBe(false)
    }
    expect(isTimestamp(new Date(0).toISOString())).toBe(true)
  })
})
