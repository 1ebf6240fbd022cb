// Inspection turns any update into the entry writes it would make, including those Yjs hides: parents found through neighbours, overwrites, deletions.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { inspectUpdate } from './update-inspection'

/** The updates `change` makes to a copy of `relay` (each transaction one update). */
const updatesOf = (relay: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array[] => {
  const client = new Y.Doc()
  Y.applyUpdate(client, Y.encodeStateAsUpdate(relay))
  const updates: Uint8Array[] = []
  client.on('update', (update: Uint8Array) => updates.push(update))
  change(client)
  return updates
}

const oneUpdate = (relay: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array => Y.mergeUpdates(updatesOf(relay, change))

describe('inspectUpdate', () => {
  it('reads a new entry from its parent and key, and names the Yjs client ids new to the relay', () => {
    const relay = new Y.Doc()
    const update = oneUpdate(relay, doc => doc.getMap('messages').set('m1', { content: 'hi' }))
    expect(inspectUpdate(relay, update)).toMatchObject({ newClients: [Y.decodeUpdate(update).structs[0]!.id.client] })
    expect(inspectUpdate(relay, update)).toMatchObject({ ok: true, writes: [{ root: 'messages', key: 'm1', value: { content: 'hi' }, deleted: false }] })
  })

  it('finds the key of an overwrite through its left neighbour, held by the relay, and counts the deletion it makes', () => {
    const relay = new Y.Doc()
    relay.getMap('users').set('ada', { name: 'Ada' })
    const update = oneUpdate(relay, doc => doc.getMap('users').set('ada', { name: 'Eve' }))
    // NOTE: the new item carries no parent or key in the update: only its neighbour's id.
    const { structs } = Y.decodeUpdate(update) as unknown as { structs: Array<{ parent: unknown; parentSub: unknown }> }
    expect(structs[0]).toMatchObject({ parent: null, parentSub: null })
    expect(inspectUpdate(relay, update)).toMatchObject({
      ok: true,
      writes: [
        { root: 'users', key: 'ada', value: { name: 'Eve' }, deleted: false },
        { root: 'users', key: 'ada', value: undefined, deleted: true }
      ]
    })
  })

  it('finds the key through a neighbour inside the same update', () => {
    const relay = new Y.Doc()
    const update = oneUpdate(relay, doc => {
      doc.getMap('groups').set('g', { name: 'one' })
      doc.getMap('groups').set('g', { name: 'two' })
    })
    const result = inspectUpdate(relay, update)
    expect(result.ok).toBe(true)
    expect(result.ok === true && result.writes.every(write => write.root === 'groups' && write.key === 'g')).toBe(true)
  })

  it('says what is missing when the update builds on something the relay has not seen', () => {
    const relay = new Y.Doc()
    const [first, second] = updatesOf(relay, doc => {
      doc.getMap('users').set('ada', { name: 'Ada' })
      doc.getMap('users').set('ada', { name: 'Ada L.' })
    })
    const result = inspectUpdate(relay, second!)
    expect(result.ok).toBe('missing')
    Y.applyUpdate(relay, first!)
    expect(inspectUpdate(relay, second!).ok).toBe(true)
  })

  it('reports a deletion of an entry the relay holds as a write of "deleted" to its key', () => {
    const relay = new Y.Doc()
    relay.getMap('messages').set('m1', { content: 'hi' })
    const update = oneUpdate(relay, doc => doc.getMap('messages').delete('m1'))
    expect(inspectUpdate(relay, update)).toMatchObject({ ok: true, writes: [{ root: 'messages', key: 'm1', value: undefined, deleted: true }] })
  })

  it('refuses what no Parley document holds: nested types, list inserts, text', () => {
    const relay = new Y.Doc()
    expect(inspectUpdate(relay, oneUpdate(relay, doc => doc.getMap('users').set('x', new Y.Map())))).toEqual({ ok: false, reason: 'unsupported-content' })
    const nested = new Y.Doc()
    const inner = new Y.Map()
    nested.getMap('users').set('x', inner)
    expect(inspectUpdate(nested, oneUpdate(nested, doc => (doc.getMap('users').get('x') as Y.Map<unknown>).set('k', 1)))).toEqual({ ok: false, reason: 'nested-type' })
    expect(inspectUpdate(relay, oneUpdate(relay, doc => doc.getArray('messages').push([1])))).toEqual({ ok: false, reason: 'not-a-map-entry' })
    expect(inspectUpdate(relay, oneUpdate(relay, doc => doc.getText('users').insert(0, 'x')))).toEqual({ ok: false, reason: 'not-a-map-entry' })
    expect(inspectUpdate(relay, new Uint8Array([0, 5, 1, 2]))).toEqual({ ok: false, reason: 'malformed' })
    // A GC struct (here one tick of client 4242) writes no entry, but would add its client for good.
    expect(inspectUpdate(relay, new Uint8Array([1, 1, 0x92, 0x21, 0, 0, 1, 0]))).toEqual({ ok: false, reason: 'gc-struct' })
  })
})
