// CPU budgets: one per user over all their connections, and the relay's, shared so that light users go on while heavy ones wait.
import { describe, expect, it } from 'vitest'
import { CpuBudgets, estimateCostMs } from './cpu-budgets'

describe('CpuBudgets', () => {
  it('gives all connections of one user one budget', () => {
    const budgets = new CpuBudgets({ cpuMsPerSecond: 10, relayCpuMsPerSecond: 1000 }, 0)
    const first = budgets.open('ada', 0)
    const second = budgets.open('ada', 0)
    expect(second).toBe(first)
    // The burst (40 ms) spent on one connection leaves nothing for the other.
    first.charge(40, 0)
    expect(second.admit(5, 0)).toEqual({ waitMs: 500, reason: 'user-budget' })
    expect(budgets.open('bob', 0).admit(5, 0)).toBeNull()
  })

  it('refuses a frame estimated at more than the user may ever spend at once', () => {
    const budgets = new CpuBudgets({ cpuMsPerSecond: 10, relayCpuMsPerSecond: 1000 }, 0)
    expect(budgets.open('ada', 0).admit(41, 0)).toBe('too-costly')
    expect(estimateCostMs(1_000_000)).toBe(50)
  })

  it('while the relay is busy, holds back those who spent more than an equal share, and lets light users go', () => {
    const budgets = new CpuBudgets({ cpuMsPerSecond: 1000, relayCpuMsPerSecond: 100 }, 0)
    const heavy = budgets.open('heavy', 0)
    const other = budgets.open('other', 0)
    const light = budgets.open('light', 0)
    heavy.charge(150, 0)
    other.charge(20, 0)
    light.charge(0.1, 0)
    // The relay is 70.1 ms in debt; three users active share 100 ms a second: ~33 each.
    expect(heavy.admit(1, 0)).toEqual({ waitMs: 711, reason: 'relay-share' })
    expect(other.admit(1, 0)).toBeNull()
    expect(light.admit(1, 0)).toBeNull()
    // Once the relay's budget covers the frame again, everyone goes.
    expect(heavy.admit(1, 711)).toBeNull()
  })

  it('lets a frame larger than the relay\'s burst through once the relay\'s budget is full', () => {
    const budgets = new CpuBudgets({ cpuMsPerSecond: 1000, relayCpuMsPerSecond: 10 }, 0)
    const heavy = budgets.open('heavy', 0)
    heavy.charge(30, 0)
    // 20 ms in debt: 3 s until the relay's 10 ms burst is full.
    expect(heavy.admit(200, 0)).toEqual({ waitMs: 3000, reason: 'relay-share' })
    expect(heavy.admit(200, 3000)).toBeNull()
  })

  it('forgets a user only once their connections are gone and their budget is full again', () => {
    const budgets = new CpuBudgets({ cpuMsPerSecond: 10, relayCpuMsPerSecond: 1000 }, 0)
    const ada = budgets.open('ada', 0)
    ada.charge(40, 0)
    budgets.close('ada')
    budgets.sweep(1000)
    // Reconnecting at once finds the same spent budget, not a fresh burst.
    expect(budgets.open('ada', 1000)).toBe(ada)
    budgets.close('ada')
    budgets.sweep(4000)
    expect(budgets.size).toBe(0)
  })
})
