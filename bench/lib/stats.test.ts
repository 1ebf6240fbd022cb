// Benchmark statistics: nearest-rank percentiles and interleaved repetitions.
import { describe, expect, it } from 'vitest'
import { interleaved, median, percentile, summarize } from './stats'

describe('stats', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(500)
    expect(percentile(values, 99)).toBe(990)
    expect(percentile(values, 99.9)).toBe(999)
    expect(median([3, 1, 2])).toBe(2)
    expect(summarize([5, 1, 3], [1, 2, 3])).toMatchObject({ median: 3, min: 1, max: 5, p50: 2, count: 3 })
  })

  it('interleaves systems A B C, then C B A', async () => {
    const order: string[] = []
    await interleaved(['A', 'B', 'C'], 3, async system => { order.push(system) })
    expect(order.join('')).toBe('ABCCBAABC')
  })
})
