import { describe, expect, it } from 'vitest'
import { dueAt, dueCount, runOpenLoop, timerSleepMs } from './open-loop'

describe('open-loop schedule', () => {
  it('counts the sends due at a time, all at once when late', () => {
    expect(dueCount(99, 100, 10, 5)).toBe(0)
    expect(dueCount(100, 100, 10, 5)).toBe(1)
    expect(dueCount(119.9, 100, 10, 5)).toBe(2)
    expect(dueCount(10_000, 100, 10, 5)).toBe(5)
    expect(dueAt(100, 10, 3)).toBe(130)
  })

  it('sleeps on a timer only when the wait leaves room for a short spin', () => {
    expect(timerSleepMs(10, 10)).toBe(9)
    expect(timerSleepMs(0.5, 10)).toBe(0)
    expect(timerSleepMs(100, 100)).toBe(98)
    expect(timerSleepMs(1.05, 1)).toBe(0)
  })

  it('sends each message no earlier than its time, in order, and reports lateness from the due time', async () => {
    // A clock that only moves when a send takes time: every later send is found late.
    let clock = 10
    const sent: Array<[number, number]> = []
    const lateness = await runOpenLoop({
      count: 6,
      startAt: 10,
      intervalMs: 5,
      now: () => clock,
      send: index => {
        sent.push([index, clock])
        clock += 7 // each send is slow: the loop falls behind and catches up without waiting for anything
      }
    })
    expect(sent.map(([index]) => index)).toEqual([0, 1, 2, 3, 4, 5])
    for (const [index, at] of sent) expect(at).toBeGreaterThanOrEqual(10 + index * 5)
    expect(lateness).toHaveLength(6)
    expect(lateness[5]).toBeGreaterThan(0)
  })

  it('on the real clock, sends nothing early and reports how late each send was', async () => {
    const startAt = performance.now() + 5
    const at: number[] = []
    const lateness = await runOpenLoop({ count: 20, startAt, intervalMs: 2, send: () => at.push(performance.now()) })
    at.forEach((time, index) => {
      expect(time).toBeGreaterThanOrEqual(startAt + index * 2)
      // Lateness is read just before the send: at most the delay the send itself saw.
      expect(lateness[index]).toBeLessThanOrEqual(time - (startAt + index * 2))
      expect(lateness[index]).toBeGreaterThanOrEqual(0)
    })
  })
})
