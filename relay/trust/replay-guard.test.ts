// The replay guard accepts each nonce once while it matters, forgets it afterwards, and never grows without bound.
import { describe, expect, it } from 'vitest'
import { ReplayGuard } from './replay-guard'

describe('ReplayGuard', () => {
  it('admits a nonce once until it expires', () => {
    const guard = new ReplayGuard()
    expect(guard.admit('n1', 1000, 0)).toBe('admitted')
    expect(guard.admit('n1', 1000, 500)).toBe('replayed')
    expect(guard.admit('n2', 1500, 500)).toBe('admitted')
    // After expiry the nonce is forgotten: a token that old is refused as expired anyway.
    expect(guard.admit('n3', 3000, 1200)).toBe('admitted')
    expect(guard.size).toBe(2)
  })

  it('refuses rather than forgets a live nonce when full', () => {
    const guard = new ReplayGuard(2)
    expect(guard.admit('a', 1000, 0)).toBe('admitted')
    expect(guard.admit('b', 1000, 0)).toBe('admitted')
    expect(guard.admit('c', 1000, 0)).toBe('full')
    expect(guard.admit('a', 1000, 0)).toBe('replayed')
    expect(guard.admit('c', 3000, 1000)).toBe('admitted')
  })
})
