// Refusals: typed values with one wire text each, and one parser that reads them back.
import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import { MessageType, encodePermissionDenied, encodeRefusalMessage, readRefusal } from './messages'
import { PRESENCE_REFUSALS, ROOM_REFUSALS, UPDATE_REFUSALS, formatRefusal, parseRefusal, type Refusal } from './refusals'

const every: Refusal[] = [
  ...UPDATE_REFUSALS.map(reason => ({ scope: 'update', reason }) as const),
  ...PRESENCE_REFUSALS.map(reason => ({ scope: 'presence', reason }) as const),
  ...ROOM_REFUSALS.map(reason => ({ scope: 'room', reason }) as const)
]

/** The refusal a permission-denied message carries, read as a client reads it. */
const readMessage = (message: Uint8Array): Refusal | null => {
  const decoder = decoding.createDecoder(message)
  expect(decoding.readVarUint(decoder)).toBe(MessageType.auth)
  return readRefusal(decoder)
}

describe('refusals', () => {
  it('keep the wire text clients have always read', () => {
    expect(formatRefusal({ scope: 'update', reason: 'not-yours' })).toBe('rejected-update:not-yours')
    expect(formatRefusal({ scope: 'presence', reason: 'taken-client-id' })).toBe('rejected-presence:taken-client-id')
    expect(formatRefusal({ scope: 'room', reason: 'not-a-member' })).toBe('not-a-member')
  })

  it('round-trip every reason of every scope, as text and as a message', () => {
    for (const refusal of every) {
      expect(parseRefusal(formatRefusal(refusal))).toEqual(refusal)
      expect(readMessage(encodeRefusalMessage(refusal))).toEqual(refusal)
    }
  })

  it('read a reason this version does not know, or one in the wrong scope, as nothing', () => {
    expect(parseRefusal('rejected-update:not-a-member')).toBeNull()
    expect(parseRefusal('rejected-presence:not-yours')).toBeNull()
    expect(parseRefusal('not-yours')).toBeNull()
    expect(parseRefusal('')).toBeNull()
    expect(readMessage(encodePermissionDenied('let me in'))).toBeNull()
    expect(readMessage(Uint8Array.of(MessageType.auth))).toBeNull()
  })
})
