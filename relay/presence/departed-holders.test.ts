// Departed awareness client ids stay their users': a bounded number per user, for a bounded time.
import { describe, expect, it } from 'vitest'
import { DEPARTED_HOLD_MS, DEPARTED_IDS_PER_USER, DepartedHolders } from './departed-holders'

describe('DepartedHolders', () => {
  it('keeps each user\'s newest departed ids, so that one user\'s churn never pushes out another\'s', () => {
    const holders = new DepartedHolders(() => 0)
    holders.add(1, 'ada')
    for (let client = 100; client < 100 + 10 * DEPARTED_IDS_PER_USER; client++) holders.add(client, 'bob')
    expect(holders.holderOf(1)).toBe('ada')
    expect(holders.holderOf(100)).toBeUndefined()
    expect(holders.holderOf(100 + 10 * DEPARTED_IDS_PER_USER - 1)).toBe('bob')
    expect(holders.size).toBe(1 + DEPARTED_IDS_PER_USER)
  })

  it('forgets an id once it is online again, and every id after the hold time', () => {
    let now = 0
    const holders = new DepartedHolders(() => now)
    holders.add(1, 'ada')
    holders.add(2, 'ada')
    holders.delete(1)
    expect([holders.holderOf(1), holders.holderOf(2)]).toEqual([undefined, 'ada'])
    now = DEPARTED_HOLD_MS
    expect(holders.holderOf(2)).toBeUndefined()
    holders.expire()
    expect(holders.size).toBe(0)
    // A user's list is gone with its last id: adding again starts afresh.
    holders.add(2, 'ada')
    expect(holders.holderOf(2)).toBe('ada')
  })
})
