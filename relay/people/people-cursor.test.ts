// Cursors: a position written and read back, anything else refused; sort keys cut to fit.
import { describe, expect, it } from 'vitest'
import { MAX_CURSOR_LENGTH } from '../../shared/protocol'
import { SORT_KEY_LENGTH, comparePositions, decodeCursor, encodeCursor, sortKeyOf } from './people-cursor'

const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

describe('people cursors', () => {
  it('read back the position they were written from, up to the longest sort key', () => {
    for (const sortKey of ['ada lovelace', '', '山田太郎', '𝒜'.repeat(SORT_KEY_LENGTH / 2)]) {
      const cursor = encodeCursor({ sortKey, user_id: ID })
      expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH)
      expect(decodeCursor(cursor)).toEqual({ sortKey, user_id: ID })
    }
  })

  it('refuse what the relay could not have written', () => {
    const good = encodeCursor({ sortKey: 'ada', user_id: ID })
    for (const bad of ['', 'x', good.slice(1), `2${good.slice(1)}`, `1${'!'.repeat(22)}ada`, `1${ID.slice(1)}`, `${good} `,
      `1${ID} ada`, `1${ID}${'a'.repeat(SORT_KEY_LENGTH + 1)}`, `1${ID}\ud800`, `1${ID}${'a'.repeat(MAX_CURSOR_LENGTH)}`]) {
      expect(decodeCursor(bad), JSON.stringify(bad)).toBeNull()
    }
  })
})

describe('sortKeyOf', () => {
  it('keeps a short name whole and cuts a long one, never inside a surrogate pair nor before a space', () => {
    expect(sortKeyOf('ada')).toBe('ada')
    expect(sortKeyOf('a'.repeat(100))).toBe('a'.repeat(SORT_KEY_LENGTH))
    expect(sortKeyOf(`${'a'.repeat(SORT_KEY_LENGTH - 1)}𝒜b`)).toBe('a'.repeat(SORT_KEY_LENGTH - 1))
    expect(sortKeyOf(`${'a'.repeat(SORT_KEY_LENGTH - 2)}𝒜b`)).toBe(`${'a'.repeat(SORT_KEY_LENGTH - 2)}𝒜`)
    expect(sortKeyOf(`${'a'.repeat(SORT_KEY_LENGTH - 1)} b`)).toBe('a'.repeat(SORT_KEY_LENGTH - 1))
  })

  it('orders by sort key, then id', () => {
    expect(comparePositions({ sortKey: 'a', user_id: 'z' }, { sortKey: 'b', user_id: 'a' })).toBeLessThan(0)
    expect(comparePositions({ sortKey: 'a', user_id: 'b' }, { sortKey: 'a', user_id: 'a' })).toBeGreaterThan(0)
    expect(comparePositions({ sortKey: 'a', user_id: 'a' }, { sortKey: 'a', user_id: 'a' })).toBe(0)
  })
})
