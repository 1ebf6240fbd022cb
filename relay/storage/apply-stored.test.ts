// Loading a room's stored updates: in order, a slice per turn of the event loop, a corrupt one reported as such.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyStored } from './apply-stored'
import { StorageError } from './store'
import { recorded, value } from './test-updates'

describe('applyStored', () => {
  it('applies stored updates, the dead values of a collecting document dropped', async () => {
    const writer = new Y.Doc()
    const updates = recorded(writer, map => { for (let i = 0; i < 10; i++) map.set('last', value(i)) })
    const doc = new Y.Doc({ gc: true })
    await applyStored(doc, 'room', updates, 'storage')
    expect(doc.getMap('m').toJSON()).toEqual({ last: value(9) })
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThan(value(9).length + 200)
  })

  it('applies a large room a slice per turn of the event loop, so that other rooms are served meanwhile', async () => {
    // 40 updates of ~50 KB: 2 MB, far more than one turn's share.
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i < 40; i++) map.set(`k${i}`, 'x'.repeat(50_000)) })
    const doc = new Y.Doc({ gc: true })
    let done = false
    const applying = applyStored(doc, 'room', updates).then(() => { done = true })
    await new Promise(resolve => setImmediate(resolve))
    const afterOneTurn = doc.getMap('m').size
    expect(done).toBe(false)
    expect(afterOneTurn).toBeGreaterThan(0)
    expect(afterOneTurn).toBeLessThan(40)
    await applying
    expect(doc.getMap('m').size).toBe(40)
  })

  it('calls an update it cannot read a corrupt store, naming the room', async () => {
    const error = await applyStored(new Y.Doc(), 'group/x/0', [Uint8Array.of(1, 200, 200, 200)]).catch(caught => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ reason: 'corrupt', message: expect.stringContaining('group/x/0') })
  })
})
