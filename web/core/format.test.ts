// How times, days and "who is typing" read: the branch each date takes, in whatever locale the runner has.
import { describe, expect, it } from 'vitest'
import { dayKey, describeStatus, describeTyping, describeUnverified, formatDay, formatRecent } from './format'

/** A local time as the ISO string messages carry. */
const at = (year: number, month: number, day: number, hour = 12, minute = 0): string =>
  new Date(year, month - 1, day, hour, minute).toISOString()

// A Thursday, mid-morning.
const now = new Date(2025, 5, 12, 10, 0)

describe('formatDay', () => {
  it('says Today and Yesterday by the local calendar day, not by 24-hour spans', () => {
    expect(formatDay(at(2025, 6, 12, 0, 5), now)).toBe('Today')
    expect(formatDay(at(2025, 6, 11, 23, 59), now)).toBe('Yesterday')
    expect(formatDay(at(2025, 6, 11, 0, 1), now)).toBe('Yesterday')
  })

  it('names the weekday within the last week', () => {
    const monday = at(2025, 6, 9)
    expect(formatDay(monday, now)).toBe(new Date(monday).toLocaleDateString(undefined, { weekday: 'long' }))
  })

  it('gives the date a week or more back, with the year only when it is not this year', () => {
    const lastWeek = formatDay(at(2025, 6, 5), now)
    expect(lastWeek).toContain('5')
    expect(lastWeek).not.toContain('2025')
    expect(formatDay(at(2024, 12, 31), now)).toContain('2024')
  })
})

describe('formatRecent', () => {
  it('is the time of day for today, else a short date', () => {
    expect(formatRecent(at(2025, 6, 12, 8, 47), now)).toContain('47')
    expect(formatRecent(at(2025, 6, 11, 8, 47), now)).not.toContain('47')
    expect(formatRecent(at(2025, 6, 11, 8, 47), now)).toContain('11')
  })
})

describe('dayKey', () => {
  it('is the same for two times on one local day and differs across midnight', () => {
    expect(dayKey(at(2025, 6, 12, 0, 1))).toBe(dayKey(at(2025, 6, 12, 23, 59)))
    expect(dayKey(at(2025, 6, 12, 0, 1))).not.toBe(dayKey(at(2025, 6, 11, 23, 59)))
  })
})

describe('describeTyping', () => {
  it('names one or two people and counts more', () => {
    expect(describeTyping([])).toBe('')
    expect(describeTyping(['Bob'])).toBe('Bob is typing…')
    expect(describeTyping(['Bob', 'Carol'])).toBe('Bob and Carol are typing…')
    expect(describeTyping(['Bob', 'Carol', 'Dan'])).toBe('3 people are typing…')
  })
})

describe('describeUnverified', () => {
  it('agrees in number', () => {
    expect(describeUnverified(1)).toBe('1 message could not be verified and is hidden.')
    expect(describeUnverified(2)).toBe('2 messages could not be verified and are hidden.')
  })
})

describe('describeStatus', () => {
  it('names each connection status, a refusal as the relay\'s doing', () => {
    expect(describeStatus('connected')).toBe('Connected')
    expect(describeStatus('connecting')).toBe('Connecting')
    expect(describeStatus('offline')).toBe('Offline')
    expect(describeStatus('refused')).toBe('Refused by the relay')
  })
})
