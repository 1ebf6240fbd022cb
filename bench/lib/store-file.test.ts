// A store's seed survives its file: every room and record, byte for byte.
import { describe, expect, it } from 'vitest'
import { decodeStoreSeed, encodeStoreSeed } from './store-file'

describe('store seed file', () => {
  it('reads back every room and record as written, empty ones and non-Latin names included', () => {
    const seed = {
      rooms: new Map([['profile/a', Uint8Array.of(1, 2, 3)], ['group/é', new Uint8Array(0)]]),
      records: new Map([['people/王', new TextEncoder().encode('{"name":"王伟"}')]])
    }
    expect(decodeStoreSeed(encodeStoreSeed(seed))).toEqual(seed)
    expect(decodeStoreSeed(encodeStoreSeed({ rooms: new Map(), records: new Map() }))).toEqual({ rooms: new Map(), records: new Map() })
  })
})
