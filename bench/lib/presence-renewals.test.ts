import { describe, expect, it } from 'vitest'
import { startRenewals } from './presence-renewals'

describe('startRenewals', () => {
  it('renews every client once per period, spread evenly, in turn, catching up when late', async () => {
    const renewed: number[] = []
    const started = performance.now()
    const renewals = startRenewals(10, index => renewed.push(index), 100)
    await new Promise(resolve => setTimeout(resolve, 250))
    const elapsed = performance.now() - started
    renewals.stop()
    // One every 10 ms from the start, open loop: however late the timers, what was due went out.
    expect(renewed.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 10) - 5)
    expect(renewed.length).toBeLessThanOrEqual(Math.floor(elapsed / 10) + 1)
    expect(renewed.slice(0, 12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    expect(renewals.sent).toBe(renewed.length)
    const after = renewed.length
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(renewed.length).toBe(after)
  })
})
