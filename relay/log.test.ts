// The sparing log: the first refusal of a kind is logged, the rest once a minute with their count.
import { describe, expect, it } from 'vitest'
import { SparingLog, memoryLogger } from './log'

describe('SparingLog', () => {
  it('logs the first of each reason, then one line per interval saying how many there were', () => {
    const log = memoryLogger()
    const sparing = new SparingLog(log, 60_000)
    for (let i = 0; i < 5; i++) sparing.warn('connection-refused', { reason: 'too-many-pending', address: `10.0.0.${i}` }, 1000 + i)
    sparing.warn('connection-refused', { reason: 'too-many-connections', address: '10.0.0.9' }, 2000)
    expect(log.lines).toHaveLength(2)
    sparing.warn('connection-refused', { reason: 'too-many-pending', address: '10.0.0.7' }, 61_000)
    expect(log.lines).toHaveLength(3)
    expect(log.lines[2]).toMatch(/reason="too-many-pending" address="10.0.0.7" repeated=5 sinceMs=60000/)
  })
})
