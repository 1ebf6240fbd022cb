import { describe, expect, it } from 'vitest'
import { SearchAllowance } from './search-allowance'

describe('SearchAllowance', () => {
  it('gives each user a burst, then the rate, whatever connection asks', () => {
    const allowance = new SearchAllowance(60, 2)
    expect([allowance.take('ada', 0), allowance.take('ada', 0), allowance.take('ada', 0)]).toEqual([true, true, false])
    expect(allowance.take('bob', 0)).toBe(true)
    expect(allowance.take('ada', 999)).toBe(false)
    expect(allowance.take('ada', 1000)).toBe(true)
  })

  it('forgets only users whose allowance is full again, so memory stays bounded without giving anyone more', () => {
    const allowance = new SearchAllowance(60, 1)
    for (let i = 0; i < 10_000; i++) allowance.take(`user ${i}`, 0)
    expect(allowance.take('busy', 0)).toBe(true)
    // At 0 ms nobody has refilled: everyone is remembered (busy too, still empty).
    expect(allowance.size).toBe(10_001)
    expect(allowance.take('busy', 10)).toBe(false)
    // A second later every allowance is full again: the next newcomer forgets them.
    expect(allowance.take('late', 2000)).toBe(true)
    expect(allowance.size).toBe(1)
  })
})
