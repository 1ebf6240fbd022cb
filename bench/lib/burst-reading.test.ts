// Which members the fanout workload times, and the turns in which the others read in bursts.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readInTurns, timedMembers } from './burst-reading'
import type { ThinClient } from './thin-client'

describe('timedMembers', () => {
  it('spreads the timed members evenly from the first to the last', () => {
    expect([...timedMembers(10, 4)].sort((a, b) => a - b)).toEqual([0, 3, 6, 9])
    expect([...timedMembers(11, 3)].sort((a, b) => a - b)).toEqual([0, 5, 10])
    const timed = [...timedMembers(1_000, 20)].sort((a, b) => a - b)
    expect(timed[0]).toBe(0)
    expect(timed.at(-1)).toBe(999)
    const gaps = timed.slice(1).map((member, i) => member - timed[i]!)
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1)
  })

  it('returns exactly `count` distinct members in range, or all of them when there are no more', () => {
    for (const members of [1, 2, 3, 7, 20, 21, 100, 1_001]) {
      for (const count of [2, 3, 5, 20, 64]) {
        const timed = timedMembers(members, count)
        expect(timed.size, `${count} of ${members}`).toBe(Math.min(members, count))
        for (const member of timed) {
          expect(Number.isInteger(member)).toBe(true)
          expect(member).toBeGreaterThanOrEqual(0)
          expect(member).toBeLessThan(members)
        }
        if (members > 0) expect(timed.has(members - 1)).toBe(true)
      }
    }
    expect([...timedMembers(5, 5)]).toEqual([0, 1, 2, 3, 4])
    expect([...timedMembers(3, 10)]).toEqual([0, 1, 2])
  })

  it('times the last member when it times one', () => {
    expect([...timedMembers(50, 1)]).toEqual([49])
    expect([...timedMembers(1, 1)]).toEqual([0])
  })
})

/** A thin client reduced to what reading in turns uses; `log` records every call in order. */
const fakeClient = (index: number, log: string[]): ThinClient => ({
  readInBursts: vi.fn(() => { log.push(`bursts ${index}`) }),
  readBurst: vi.fn(() => { log.push(`read ${index}`) }),
  readLive: vi.fn(() => { log.push(`live ${index}`) })
}) as unknown as ThinClient

describe('readInTurns', () => {
  afterEach(() => { vi.useRealTimers() })

  it('puts every client in bursts, then reads each once a period, in order, a few per tick', () => {
    vi.useFakeTimers()
    const log: string[] = []
    const clients = Array.from({ length: 10 }, (_, i) => fakeClient(i, log))
    const stop = readInTurns(clients, 100, 20)
    expect(log).toEqual(clients.map((_, i) => `bursts ${i}`))
    log.length = 0
    vi.advanceTimersByTime(19)
    expect(log).toEqual([])
    // 10 clients over a 100 ms period in 20 ms ticks: two a tick.
    vi.advanceTimersByTime(1)
    expect(log).toEqual(['read 0', 'read 1'])
    vi.advanceTimersByTime(80)
    expect(log).toEqual(clients.map((_, i) => `read ${i}`))
    // The next period starts over from the first.
    log.length = 0
    vi.advanceTimersByTime(100)
    expect(log).toEqual(clients.map((_, i) => `read ${i}`))
    stop()
  })

  it('reads every client at least once a period when the clients do not divide into ticks', () => {
    vi.useFakeTimers()
    const log: string[] = []
    const clients = Array.from({ length: 7 }, (_, i) => fakeClient(i, log))
    const stop = readInTurns(clients, 100, 30)
    log.length = 0
    vi.advanceTimersByTime(300)
    // ceil(7 × 30 / 100) = 3 a tick, round robin.
    expect(log).toEqual(Array.from({ length: 30 }, (_, k) => `read ${k % 7}`))
    stop()
  })

  it('reads at least one client a tick when ticks outnumber clients', () => {
    vi.useFakeTimers()
    const log: string[] = []
    const clients = Array.from({ length: 2 }, (_, i) => fakeClient(i, log))
    const stop = readInTurns(clients, 1_000, 10)
    log.length = 0
    vi.advanceTimersByTime(40)
    expect(log).toEqual(['read 0', 'read 1', 'read 0', 'read 1'])
    stop()
  })

  it('stops its timer and lets every client read live again', () => {
    vi.useFakeTimers()
    const log: string[] = []
    const clients = Array.from({ length: 4 }, (_, i) => fakeClient(i, log))
    const stop = readInTurns(clients, 100, 25)
    vi.advanceTimersByTime(50)
    expect(vi.getTimerCount()).toBe(1)
    log.length = 0
    stop()
    expect(log).toEqual(clients.map((_, i) => `live ${i}`))
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(1_000)
    expect(log).toHaveLength(4)
  })

  it('starts no timer for no clients', () => {
    vi.useFakeTimers()
    const stop = readInTurns([], 100, 20)
    expect(vi.getTimerCount()).toBe(0)
    stop()
  })
})
