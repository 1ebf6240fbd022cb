// The protocol version in the subprotocol name: read back exactly, and compared with the relay's.
import { describe, expect, it } from 'vitest'
import { PARLEY_PROTOCOL, PROTOCOL_VERSION, parleyProtocolOf, protocolName, versionOfProtocol, versionRefusal } from './version'

describe('protocol version', () => {
  it('is carried in the subprotocol name', () => {
    expect(PARLEY_PROTOCOL).toBe(`parley.v${PROTOCOL_VERSION}`)
    expect(versionOfProtocol(protocolName(12))).toBe(12)
    for (const other of ['parley.v', 'parley.v0', 'parley.v01', 'parley.v1.5', 'parley.vx', 'parley-token.abc', 'parley.v1234567']) {
      expect(versionOfProtocol(other), other).toBeNull()
    }
  })

  it('takes the first Parley subprotocol offered', () => {
    expect(parleyProtocolOf(['chat', 'parley.v3', 'parley.v1'])).toEqual({ protocol: 'parley.v3', version: 3 })
    expect(parleyProtocolOf(['parley-token.abc'])).toBeNull()
  })

  it('says which side is newer', () => {
    expect(versionRefusal(2, 2)).toBeNull()
    expect(versionRefusal(1, 2)).toBe('relay-newer')
    expect(versionRefusal(3, 2)).toBe('relay-older')
  })
})
