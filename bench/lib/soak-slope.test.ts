import { describe, expect, it } from 'vitest'
import { slopePerMinute } from './soak-slope'

describe('slopePerMinute', () => {
  it('gives the growth per minute of a straight line, whatever its offset', () => {
    expect(slopePerMinute([0, 30_000, 60_000], [100, 101, 102])).toBeCloseTo(2)
    expect(slopePerMinute([1000, 2000, 3000, 4000], [5, 5, 5, 5])).toBe(0)
  })

  it('fits noisy samples by least squares', () => {
    // y = 3 MB/min with ±0.5 alternating noise.
    const times = Array.from({ length: 20 }, (_, i) => i * 6000)
    const values = times.map((t, i) => (3 * t) / 60_000 + (i % 2 === 0 ? 0.5 : -0.5))
    expect(Math.abs(slopePerMinute(times, values) - 3)).toBeLessThan(0.1)
  })

  it('has no slope for fewer than two samples or a single instant', () => {
    expect(slopePerMinute([1], [1])).toBeNaN()
    expect(slopePerMinute([5, 5], [1, 2])).toBeNaN()
  })
})
