// The socket watch drops readers that fall behind or go silent, and keeps those that keep up, however busy.
import { describe, expect, it } from 'vitest'
import { SocketWatch } from './socket-watch'

const limits = { maxBufferedBytes: 1000, sendTimeoutMs: 100, pingIntervalMs: 1000, pingTimeoutMs: 500 }

describe('SocketWatch', () => {
  it('drops a socket past the byte cap at once', () => {
    const watch = new SocketWatch(limits, 0)
    watch.sent(1001)
    expect(watch.check(1001, 0, false)).toBe('too-slow')
  })

  it('drops a socket whose queued bytes have not left within the send timeout', () => {
    const watch = new SocketWatch(limits, 0)
    watch.sent(500)
    expect(watch.check(500, 0, false)).toBe('ok')
    expect(watch.check(400, 100, false)).toBe('ok')
    expect(watch.check(400, 101, false)).toBe('send-timeout')
  })

  it('keeps a reader whose buffer never empties but whose bytes leave in time', () => {
    const watch = new SocketWatch(limits, 0)
    // 300 bytes queued every 50 ms, 300 leaving: 300 unsent at every check.
    for (let now = 0; now <= 2000; now += 50) {
      watch.sent(300)
      expect(watch.check(300, now, false)).toBe('ok')
      watch.heard(now)
    }
  })

  it('pings a quiet socket once, and drops it if nothing comes back within the timeout', () => {
    const watch = new SocketWatch(limits, 0)
    expect(watch.check(0, 999, false)).toBe('ok')
    expect(watch.check(0, 1000, false)).toBe('ping')
    expect(watch.check(0, 1200, false)).toBe('ok')
    expect(watch.check(0, 1500, false)).toBe('silent')
  })

  it('keeps a socket that answers, and one the relay has stopped reading', () => {
    const watch = new SocketWatch(limits, 0)
    expect(watch.check(0, 1000, false)).toBe('ping')
    watch.heard(1100)
    expect(watch.check(0, 2099, false)).toBe('ok')
    expect(watch.check(0, 2100, false)).toBe('ping')
    // Paused by the relay: its pong waits unread, and it is not taken for silent.
    expect(watch.check(0, 5000, true)).toBe('ok')
    expect(watch.check(0, 5999, false)).toBe('ok')
  })
})
