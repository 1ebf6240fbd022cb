// The machine's pauses: summarising a busy loop's gaps, and recording them from a real pinned process.
import { describe, expect, it } from 'vitest'
import { MIN_PAUSE_MS, recordPauses, summarizePauses } from './machine-pauses'

describe('summarizePauses', () => {
  it('counts pauses of at least the given length per second, the longest, and the share of time lost', () => {
    const summary = summarizePauses({ windowMs: 2000, pausesMs: [0.2, 1, 0.5, 6, 1.5, 0.8] }, 1)
    expect(summary.perSecond).toBe(1.5)
    expect(summary.longestMs).toBe(6)
    expect(summary.lostPercent).toBeCloseTo(0.5)
  })

  it('reports nothing lost for a loop that never paused, and refuses an empty window', () => {
    expect(summarizePauses({ windowMs: 500, pausesMs: [] }, 1)).toEqual({ perSecond: 0, longestMs: 0, lostPercent: 0 })
    expect(() => summarizePauses({ windowMs: 0, pausesMs: [] }, 1)).toThrow(RangeError)
  })
})

describe('recordPauses', () => {
  it('runs the busy loop for the window on the given core and returns its gaps', async () => {
    const record = await recordPauses(0, 150)
    expect(record.windowMs).toBeGreaterThanOrEqual(150)
    expect(record.windowMs).toBeLessThan(1000)
    for (const pause of record.pausesMs) expect(pause).toBeGreaterThanOrEqual(MIN_PAUSE_MS)
    expect(record.pausesMs.reduce((sum, pause) => sum + pause, 0)).toBeLessThan(record.windowMs)
  })
})
