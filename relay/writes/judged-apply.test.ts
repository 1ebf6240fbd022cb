// An update is judged where it lands: a refused one is marked for the observers and yields nothing to store, and the restore point rebuilds the document without it.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyJudged, wasRefused } from './judged-apply'
import { RestorePoint } from './restore-point'

/** The update a fresh client makes with `change` on a copy of `room`. */
const updateOf = (room: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(room))
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  change(doc)
  return Y.mergeUpdates(updates)
}

const ORIGIN = { source: 'peer' }

describe('applyJudged', () => {
  it('yields the update as Yjs applied it when the judge accepts, and nothing when it refuses; observers see which', () => {
    const room = new Y.Doc()
    const seen: Array<[string, boolean]> = []
    room.getMap('users').observe((event, transaction) => { for (const key of event.keysChanged) seen.push([key, wasRefused(transaction)]) })
    const bob = updateOf(room, doc => doc.getMap('users').set('bob', { name: 'Bob' }))
    const accepted = applyJudged(room, bob, { origin: ORIGIN, clients: Y.parseUpdateMeta(bob).to.keys(), judge: () => true })
    expect(accepted).toMatchObject({ judged: true, accepted: true })
    const applied = (accepted as { applied: Uint8Array }).applied
    const copy = new Y.Doc()
    Y.applyUpdate(copy, applied)
    expect(copy.getMap('users').get('bob')).toEqual({ name: 'Bob' })
    const eve = updateOf(room, doc => doc.getMap('users').set('eve', { name: 'Eve' }))
    expect(applyJudged(room, eve, { origin: ORIGIN, clients: [], judge: () => false })).toEqual({ judged: true, accepted: false, applied: null })
    expect(seen).toEqual([['bob', false], ['eve', true]])
  })

  it('hands the judge only the clients it is told of, and reports what no Parley document holds', () => {
    const room = new Y.Doc()
    const nested = updateOf(room, doc => doc.getMap('users').set('ada', new Y.Map()))
    expect(applyJudged(room, nested, { origin: ORIGIN, clients: Y.parseUpdateMeta(nested).to.keys(), judge: () => true })).toEqual({ judged: false, failure: 'nested-type' })
    expect(applyJudged(new Y.Doc(), Uint8Array.of(1, 2, 3), { origin: ORIGIN, clients: [], judge: () => true })).toEqual({ judged: false, failure: 'malformed' })
  })
})

describe('RestorePoint', () => {
  it('rebuilds the document as accepted: the snapshot, the updates recorded since, not the refused one', () => {
    const room = new Y.Doc()
    room.getMap('users').set('ada', { name: 'Ada' })
    const point = RestorePoint.of(room)
    const bob = updateOf(room, doc => doc.getMap('users').set('bob', { name: 'Bob' }))
    Y.applyUpdate(room, bob)
    point.record(bob, room)
    Y.applyUpdate(room, updateOf(room, doc => doc.getMap('users').delete('ada')))
    const restored = point.restore()
    expect(restored.getMap('users').toJSON()).toEqual({ ada: { name: 'Ada' }, bob: { name: 'Bob' } })
    // Restored twice (the updates since now merged), it is the same.
    expect(point.restore().getMap('users').toJSON()).toEqual({ ada: { name: 'Ada' }, bob: { name: 'Bob' } })
  })

  it('holds what the room holds, not every value overwritten before a refusal', () => {
    const room = new Y.Doc()
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`)
    const big = (round: number) => ({ text: `${round}`.padEnd(2000, '.') })
    const write = (round: number, count: number) => {
      const update = updateOf(room, doc => doc.transact(() => { for (const key of keys.slice(0, count)) doc.getMap('reads').set(key, big(round)) }))
      Y.applyUpdate(room, update)
      return update
    }
    write(0, 8)
    const point = RestorePoint.of(room)
    for (let refusal = 1; refusal <= 4; refusal++) {
      // Overwrites of a little less than the room's size (so the snapshot is not taken again for them), then a refusal's rebuild.
      const size = Y.encodeStateAsUpdate(room).byteLength
      let written = 0
      for (let round = 1; round <= 20 && written + 15_000 < size; round++) {
        const update = write(refusal * 100 + round, 7)
        point.record(update, room)
        written += update.byteLength
      }
      point.restore()
    }
    // Bounded by the room, whose values were overwritten all along: the snapshot, and less than as much since.
    expect(point.bytes).toBeLessThan(2 * Y.encodeStateAsUpdate(room).byteLength)
    expect(point.restore().getMap('reads').toJSON()).toEqual(room.getMap('reads').toJSON())
  })

  it('takes a new snapshot once the updates since outweigh it, still rebuilding what was accepted', () => {
    const room = new Y.Doc()
    const point = RestorePoint.of(room)
    for (let i = 0; i < 50; i++) {
      const update = updateOf(room, doc => doc.getMap('users').set(`u${i}`, { name: 'x'.repeat(i) }))
      Y.applyUpdate(room, update)
      point.record(update, room)
    }
    expect(point.restore().getMap('users').size).toBe(50)
  })
})
