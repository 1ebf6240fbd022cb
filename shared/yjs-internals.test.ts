// Pins each Yjs internal Parley reads (shared/yjs-internals.ts): should Yjs change one, this says which.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { clientStructs, dropPending, entryItem, entryItems, holdsAnything, itemValue, pendingOf } from './yjs-internals'

/** Every update `doc` makes while `change` runs, one per transaction. */
const updatesOf = (doc: Y.Doc, change: () => void): Uint8Array[] => {
  const updates: Uint8Array[] = []
  const keep = (update: Uint8Array) => updates.push(update)
  doc.on('update', keep)
  change()
  doc.off('update', keep)
  return updates
}

describe('Yjs internals', () => {
  it('a map keeps each key\'s last item, and a deleted key\'s last item as a tombstone, through a reload', () => {
    const doc = new Y.Doc()
    const users = doc.getMap('users')
    users.set('ada', { name: 'Ada' })
    users.set('ada', { name: 'Ada Lovelace' })
    users.set('bob', { name: 'Bob' })
    users.delete('bob')
    for (const copy of [doc, (() => { const reloaded = new Y.Doc(); Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(doc)); return reloaded })()]) {
      const map = copy.getMap('users')
      expect([...entryItems(map).keys()].sort()).toEqual(['ada', 'bob'])
      expect(itemValue(entryItem(map, 'ada')!)).toEqual({ name: 'Ada Lovelace' })
      expect(entryItem(map, 'bob')!.deleted).toBe(true)
      expect(itemValue(entryItem(map, 'bob')!)).toBeUndefined()
    }
    expect(entryItems(doc.getArray('list')).size).toBe(0)
  })

  it('a client\'s structs are in clock order, and a document that holds nothing has no client', () => {
    const doc = new Y.Doc()
    expect(holdsAnything(doc)).toBe(false)
    doc.getMap('m').set('a', 1)
    doc.getMap('m').set('b', 2)
    const structs = clientStructs(doc, doc.clientID)
    expect(structs.map(struct => struct.id.clock)).toEqual([0, 1])
    expect(holdsAnything(doc)).toBe(true)
    expect(clientStructs(doc, 12345)).toEqual([])
  })

  it('an update whose dependencies are missing is kept pending, and can be dropped', () => {
    const writer = new Y.Doc()
    writer.clientID = 7
    const [first, second] = updatesOf(writer, () => {
      writer.getMap('m').set('a', 1)
      writer.getMap('m').set('a', 2)
    })
    const doc = new Y.Doc()
    Y.applyUpdate(doc, second!)
    expect(pendingOf(doc)).toEqual({ missing: new Map([[7, 0]]), deletions: true })
    dropPending(doc)
    expect(pendingOf(doc)).toBeNull()
    // Dropped, it no longer waits: the first update alone applies, and the second is new again.
    Y.applyUpdate(doc, first!)
    expect(doc.getMap('m').get('a')).toBe(1)
    expect(pendingOf(doc)).toBeNull()
  })
})
