// "Typing" is told once when keystrokes start and "stopped" once after a pause, on send, or on leaving the box.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TYPING_IDLE_MS, TypingSignal } from './typing-signal'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

const signal = () => {
  const told: boolean[] = []
  return { told, typing: new TypingSignal(typing => told.push(typing)) }
}

describe('TypingSignal', () => {
  it('tells "typing" once for a run of keystrokes, and "stopped" once they pause', () => {
    const { told, typing } = signal()
    for (let key = 0; key < 5; key++) {
      typing.input()
      vi.advanceTimersByTime(TYPING_IDLE_MS - 1)
    }
    expect(told).toEqual([true])
    vi.advanceTimersByTime(1)
    expect(told).toEqual([true, false])
  })

  it('stops at once on stop(), without a second "stopped" when the pause would have ended', () => {
    const { told, typing } = signal()
    typing.input()
    typing.stop()
    vi.advanceTimersByTime(TYPING_IDLE_MS * 2)
    expect(told).toEqual([true, false])
  })

  it('says nothing when stopped without having typed, and starts again after a stop', () => {
    const { told, typing } = signal()
    typing.stop()
    expect(told).toEqual([])
    typing.input()
    typing.stop()
    typing.input()
    expect(told).toEqual([true, false, true])
  })
})
