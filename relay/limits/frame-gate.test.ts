// The frame gate handles what the budgets cover, keeps the rest unread and in order, and refuses what could never fit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CpuBudgets } from './cpu-budgets'
import { FrameGate } from './frame-gate'

/** A gate for one user with `cpuMsPerSecond`, recording what it handled, refused and paused. */
const gateOf = (cpuMsPerSecond: number, maxHeldBytes = 10_000_000) => {
  const cpu = new CpuBudgets({ cpuMsPerSecond, relayCpuMsPerSecond: 1000 }).open('ada')
  const handled: number[] = []
  const failures: string[] = []
  const socket = { reading: true, pause () { this.reading = false }, resume () { this.reading = true } }
  const gate = new FrameGate({
    socket: socket as never,
    cpu,
    messagesPerSecond: 1000,
    maxHeldBytes,
    handle: frame => handled.push(frame[0]!),
    fail: reason => failures.push(reason),
    throttled: () => {}
  })
  return { gate, handled, failures, socket }
}

/** Frame number `n`, of `bytes` (400 KB: estimated at 20 ms). */
const frame = (n: number, bytes = 400_000): Uint8Array => new Uint8Array(bytes).fill(n, 0, 1)

describe('FrameGate', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }) })
  afterEach(() => { vi.useRealTimers() })

  it('holds frames its user\'s budget cannot cover, unread, and handles them in order once it can', () => {
    // Bursts of 40 ms, 10 ms a second; each frame is charged at least its estimate of 20 ms.
    const { gate, handled, socket } = gateOf(10)
    for (let n = 1; n <= 4; n++) gate.receive(frame(n))
    expect(handled).toEqual([1, 2])
    expect(socket.reading).toBe(false)
    vi.advanceTimersByTime(2000)
    expect(handled).toEqual([1, 2, 3])
    expect(socket.reading).toBe(false)
    vi.advanceTimersByTime(2000)
    expect(handled).toEqual([1, 2, 3, 4])
    expect(socket.reading).toBe(true)
  })

  it('refuses a frame estimated beyond what the user may ever spend at once, before any work', () => {
    const { gate, handled, failures } = gateOf(10)
    gate.receive(frame(1, 1_000_000))
    expect(failures).toEqual(['too-costly'])
    expect(handled).toEqual([])
  })

  it('closes a connection that would have it hold more than it may', () => {
    const { gate, handled, failures } = gateOf(10, 1_000_000)
    for (let n = 1; n <= 6; n++) gate.receive(frame(n))
    expect(failures).toEqual(['too many frames while paused'])
    // Closed: nothing held is handled later.
    vi.advanceTimersByTime(10_000)
    expect(handled).toEqual([1, 2])
  })
})
