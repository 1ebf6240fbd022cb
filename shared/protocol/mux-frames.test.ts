// Mux frames: each kind round-trips, and bytes that are no frame decode to a reason, never a throw.
import { describe, expect, it } from 'vitest'
import { MUX_FRAME_CODES, decodeMuxFrame, encodeMuxFrame, encodeRawMuxFrame, type MuxFrame } from './mux-frames'

describe('mux frames', () => {
  it('round-trip every kind', () => {
    const frames: MuxFrame[] = [
      { kind: 'join', room: 'user/0123456789abcdefghijkl' },
      { kind: 'leave', room: 'user/0123456789abcdefghijkl' },
      { kind: 'message', room: 'user/0123456789abcdefghijkl', payload: Uint8Array.of(0, 0, 1, 0) },
      { kind: 'search', query: { id: 7, query: 'zoë', cursor: null, limit: 20 } },
      { kind: 'search', query: { id: 8, query: '', cursor: 'after Ada', limit: 50 } },
      { kind: 'people', answer: { id: 7, ok: true, people: [{ name: 'Zoë' }], cursor: 'after Zoë' } },
      { kind: 'people', answer: { id: 8, ok: true, people: [], cursor: null } },
      { kind: 'people', answer: { id: 9, ok: false, reason: 'rate-limited' } }
    ]
    for (const frame of frames) expect(decodeMuxFrame(encodeMuxFrame(frame))).toEqual(frame)
  })

  it('keep the wire numbers of each kind', () => {
    expect(MUX_FRAME_CODES).toEqual({ message: 0, join: 1, leave: 2, search: 3, people: 4 })
    expect([...encodeMuxFrame({ kind: 'join', room: 'a' })]).toEqual([1, 1, 97])
  })

  it('decode what is no frame to a reason', () => {
    expect(decodeMuxFrame(new Uint8Array())).toBe('malformed')
    expect(decodeMuxFrame(Uint8Array.of(0))).toBe('malformed')
    expect(decodeMuxFrame(Uint8Array.of(1, 5, 97))).toBe('malformed')
    expect(decodeMuxFrame(encodeRawMuxFrame(7, 'user/0123456789abcdefghijkl'))).toBe('unknown-message-type')
    // A search belongs to no room, and its payload must be one.
    const search = encodeMuxFrame({ kind: 'search', query: { id: 1, query: 'a', cursor: null, limit: 1 } })
    expect(decodeMuxFrame(encodeRawMuxFrame(MUX_FRAME_CODES.search, 'user/0123456789abcdefghijkl', search.subarray(2)))).toBe('malformed')
    expect(decodeMuxFrame(encodeRawMuxFrame(MUX_FRAME_CODES.search, '', Uint8Array.of(1)))).toBe('malformed')
    expect(decodeMuxFrame(encodeRawMuxFrame(MUX_FRAME_CODES.people, '', Uint8Array.of(1, 1, 3, 120, 121, 122)))).toBe('malformed')
  })
})
