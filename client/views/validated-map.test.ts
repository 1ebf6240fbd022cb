// ValidatedMap over a real Y.Map: valid entries shown, invalid ones skipped and counted, re-parsed on change.
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { Parsed } from '../../shared/model'
import { ValidatedMap, type Parse } from './validated-map'

/** Accepts non-negative integers; anything else is bad content, and 'boom' makes the parser throw. */
const parseCount: Parse<number> = (value: unknown): Parsed<number> => {
  if (value === 'boom') throw new Error('a faulty parser')
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? { ok: true, value }
    : { ok: false, reason: 'bad-content' }
}

const setup = (entries: Record<string, unknown> = {}, parse: Parse<number> = parseCount) => {
  const doc = new Y.Doc()
  const map = doc.getMap<unknown>('counts')
  doc.transact(() => { for (const [key, value] of Object.entries(entries)) map.set(key, value) })
  return { doc, map, view: new ValidatedMap(map, parse) }
}

describe('ValidatedMap', () => {
  it('shows entries present before it was made, valid ones only', () => {
    const { view } = setup({ a: 1, b: -1, c: 'three', d: 4 })
    expect(view.get('a')).toBe(1)
    expect(view.has('a')).toBe(true)
    expect(view.get('b')).toBeUndefined()
    expect(view.has('c')).toBe(false)
    expect([...view.values()].sort()).toEqual([1, 4])
    expect(view.size).toBe(2)
    expect(view.skipped).toBe(2)
    expect(new Map(view.skippedReasons())).toEqual(new Map([['b', 'bad-content'], ['c', 'bad-content']]))
  })

  it('passes each entry’s key to the parser', () => {
    const parse = vi.fn((value: unknown, key: string): Parsed<number> =>
      key.startsWith('ok') ? { ok: true, value: value as number } : { ok: false, reason: 'id-mismatch' })
    const { view } = setup({ ok1: 1, wrong: 2 }, parse)
    expect(parse).toHaveBeenCalledWith(2, 'wrong')
    expect(view.has('ok1')).toBe(true)
    expect(view.skippedReasons().get('wrong')).toBe('id-mismatch')
  })

  it('survives a parser that throws, counting the entry as skipped', () => {
    const { map, view } = setup({ a: 1, b: 'boom' })
    expect(view.skippedReasons().get('b')).toBe('not-an-object')
    expect(() => map.set('c', 'boom')).not.toThrow()
    map.set('d', 2)
    expect(view.skipped).toBe(2)
    expect([...view.values()].sort()).toEqual([1, 2])
  })

  it('re-parses an entry when it is updated or deleted', () => {
    const { map, view } = setup({ a: 'not yet' })
    expect(view.has('a')).toBe(false)
    map.set('a', 7)
    expect(view.get('a')).toBe(7)
    expect(view.skipped).toBe(0)
    map.set('a', 7.5)
    expect(view.get('a')).toBeUndefined()
    expect(view.skippedReasons().get('a')).toBe('bad-content')
    map.delete('a')
    expect(view.size).toBe(0)
    expect(view.skipped).toBe(0)
  })

  it('re-parses only the keys a transaction touched', () => {
    const parse = vi.fn(parseCount)
    const { map } = setup({ a: 1, b: 2, c: 3 }, parse)
    parse.mockClear()
    map.set('b', 20)
    expect(parse.mock.calls).toEqual([[20, 'b']])
  })

  it('applies entries that arrive from another peer’s document', () => {
    const { doc, view } = setup({ a: 1 })
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    peer.transact(() => {
      peer.getMap('counts').set('b', 2)
      peer.getMap('counts').set('c', { forged: true })
    })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer))
    expect([...view.values()].sort()).toEqual([1, 2])
    expect(view.skippedReasons().get('c')).toBe('bad-content')
  })

  it('tells listeners which keys changed, valid or not, until they unsubscribe', () => {
    const { doc, map, view } = setup()
    const listener = vi.fn()
    const unsubscribe = view.onChange(listener)
    doc.transact(() => {
      map.set('a', 1)
      map.set('b', 'junk')
    })
    expect(listener).toHaveBeenCalledTimes(1)
    expect(new Set(listener.mock.calls[0]![0])).toEqual(new Set(['a', 'b']))
    unsubscribe()
    map.set('c', 3)
    expect(listener).toHaveBeenCalledTimes(1)
    expect(view.get('c')).toBe(3)
  })

  it('stops observing the map once destroyed', () => {
    const { map, view } = setup({ a: 1 })
    const listener = vi.fn()
    view.onChange(listener)
    view.destroy()
    map.set('a', 2)
    map.set('b', 'junk')
    expect(listener).not.toHaveBeenCalled()
    expect(view.get('a')).toBe(1)
    expect(view.skipped).toBe(0)
  })
})
