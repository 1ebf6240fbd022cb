// Mux frames: each kind round-trips, and bytes that are no frame decode to a reason, never a throw.
import { describe, expect, it } from 'vitest'
import { MUX_FRAME_CODES, decodeMuxFrame, encodeMuxFrame, encodeRawMuxFrame, type MuxFrame } from './mux-frames'

describe('mux frames', () => {
  it('round-trip every kind', () => {
    const frames: MuxFrame[] = [
      { kind: 'join', room: 'directory' },
      { kind: 'leave', room: 'directory' },
      { kind: 'message', room: 'directory', payload: Uint8Array.of(0, 0, 1, 0) }
    ]
    for (const frame of frames) expect(decodeMuxFrame(encodeMuxFrame(frame))).toEqual(frame)
  })

  it('keep the wire numbers of each kind', () => {
    expect(MUX_FRAME_CODES).toEqual({ message: 0, join: 1, leave: 2 })
    expect([...encodeMuxFrame({ kind: 'join', room: 'a' })]).toEqual([1, 1, 97])
  })

  it('decode what is no frame to a reason', () => {
    expect(decodeMuxFrame(new Uint8Array())).toBe('malformed')
    expect(decodeMuxFrame(Uint8Array.of(0))).toBe('malformed')
    expect(decodeMuxFrame(Uint8Array.of(1, 5, 97))).toBe('malformed')
    expect(decodeMuxFrame(encodeRawMuxFrame(7, 'directory'))).toBe('unknown-message-type')
  })
})
