// The token bucket lets bursts through, then holds a connection to its sustained rate.
import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket'

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = new TokenBucket(10, 40, 0)
    for (let i = 0; i < 40; i++) expect(bucket.take(1, 0)).toBeGreaterThanOrEqual(0)
    expect(bucket.take(1, 0)).toBe(-1)
    expect(bucket.waitMs(0)).toBe(100)
    expect(bucket.waitMs(100)).toBe(0)
    // A second later 10 more have come in, never beyond the burst.
    expect(bucket.take(10, 1100)).toBeCloseTo(0)
    expect(bucket.take(0, 100_000)).toBe(40)
  })

  it('tells its balance without taking from it', () => {
    const bucket = new TokenBucket(1, 4, 0)
    bucket.take(4, 0)
    expect(bucket.balance(500)).toBeCloseTo(0.5)
    expect(bucket.balance(500)).toBeCloseTo(0.5)
    expect(bucket.balance(10_000)).toBe(4)
  })

  it('tells how long until it covers a cost, and that one beyond its burst never fits', () => {
    const bucket = new TokenBucket(10, 40, 0)
    expect(bucket.waitFor(40, 0)).toBe(0)
    bucket.take(30, 0)
    expect(bucket.waitFor(10, 0)).toBe(0)
    expect(bucket.waitFor(20, 0)).toBe(1000)
    expect(bucket.waitFor(20, 1000)).toBe(0)
    expect(bucket.waitFor(41, 100_000)).toBe(Infinity)
  })
})
