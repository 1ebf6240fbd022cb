// readEffect reports what Yjs did with an update, and pins each Yjs internal it reads (Yjs 14 will move them).
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { after, before, craft, deletedEntry, deleting, mapEntry, run } from '../../test/hand-updates'
import { readEffect, type EffectReading, type EntryChange } from './update-effect'

/** The update a fresh client makes with `change` on a copy of `room`. */
const updateOf = (room: Y.Doc, change: (doc: Y.Doc) => void, clientID?: number): Uint8Array => {
  const doc = new Y.Doc()
  if (clientID !== undefined) doc.clientID = clientID
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(room))
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  change(doc)
  return Y.mergeUpdates(updates)
}

/** What `update` does to a copy of `room`, read as the relay's judge reads it. */
const effectOf = (room: Y.Doc, update: Uint8Array): EffectReading => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(room))
  let reading: EffectReading | null = null
  doc.on('beforeObserverCalls', (transaction: Y.Transaction) => { reading = readEffect(transaction) })
  try {
    Y.applyUpdate(doc, update)
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  return reading!
}

const changesOf = (room: Y.Doc, update: Uint8Array): EntryChange[] => {
  const read = effectOf(room, update)
  if (!read.ok) throw new Error(read.reason)
  return read.effect.changes
}

const uint = encoding.writeVarUint

describe('readEffect', () => {
  it('reports a new entry, an overwrite (value before and after) and a removal', () => {
    const room = new Y.Doc()
    room.getMap('users').set('ada', { name: 'Ada' })
    expect(changesOf(room, updateOf(room, doc => doc.getMap('users').set('bob', { name: 'Bob' })))).toEqual([
      {
        root: 'users', key: 'bob', before: undefined, tombstone: false, after: { name: 'Bob' },
        written: [{ name: 'Bob' }], wroteDeleted: false, tombstoneAfter: false, replaced: true, beforeClient: null, afterClient: expect.any(Number)
      }
    ])
    expect(changesOf(room, updateOf(room, doc => doc.getMap('users').set('ada', { name: 'Eve' })))).toMatchObject([
      { key: 'ada', before: { name: 'Ada' }, after: { name: 'Eve' } }
    ])
    expect(changesOf(room, updateOf(room, doc => doc.getMap('users').delete('ada')))).toMatchObject([
      { key: 'ada', before: { name: 'Ada' }, after: undefined, tombstoneAfter: true, written: [] }
    ])
  })

  it('names the client ids an update writes under, and which the room never held', () => {
    const room = new Y.Doc()
    room.clientID = 7
    room.getMap('users').set('ada', { name: 'Ada' })
    const read = effectOf(room, updateOf(room, doc => doc.getMap('users').set('bob', { name: 'Bob' }), 9))
    expect(read).toMatchObject({ ok: true, effect: { clients: [{ client: 9, isNew: true }] } })
  })

  it('sees values written and overwritten within one update, which Yjs would otherwise collect', () => {
    const room = new Y.Doc()
    const update = updateOf(room, doc => {
      doc.transact(() => doc.getMap('users').set('ada', { name: 'first' }))
      doc.transact(() => doc.getMap('users').set('ada', { name: 'second' }))
    })
    // NOTE: the merged update carries both values, the first deleted by its delete set.
    expect(changesOf(room, update)).toMatchObject([{ key: 'ada', after: { name: 'second' }, written: [{ name: 'first' }, { name: 'second' }] }])
    // A value placed before the current one is deleted by Yjs as it integrates, yet reported as written.
    room.getMap('users').set('bob', { name: 'Bob' })
    const bob = room.getMap('users')._map.get('bob')!
    const dead = craft(e => { uint(e, 1); run(e, 1, 99, 0); before(e, bob.id, { name: 'dead' }) })
    expect(changesOf(room, dead)).toMatchObject([{ key: 'bob', before: { name: 'Bob' }, after: { name: 'Bob' }, replaced: false, written: [{ name: 'dead' }] }])
  })

  it('places a struct overlapping clocks the room holds where Yjs does: its tail after the writer\'s last item', () => {
    const room = new Y.Doc()
    const eve = 0xfffffff0
    Y.applyUpdate(room, craft(e => { uint(e, 1); run(e, 1, eve, 0); mapEntry(e, 'groups', 'g', { v: 1 }) }))
    const first = room.getMap('groups')._map.get('g')!
    Y.applyUpdate(room, craft(e => { uint(e, 1); run(e, 1, 5, 0); after(e, first.id.client, first.id.clock, { v: 2 }) }))
    // It declares Eve's own profile, from clock 0 (held): Yjs applies clock 1 only, linked after
    // her item in groups/g, where it deletes the current value (and it also lands in users/eve).
    const changes = changesOf(room, craft(e => { uint(e, 1); run(e, 1, eve, 0); deletedEntry(e, 'users', 'eve', 2) }))
    expect(changes).toContainEqual({
      root: 'groups', key: 'g', before: { v: 2 }, tombstone: false, after: undefined, written: [], wroteDeleted: false,
      tombstoneAfter: true, replaced: true, beforeClient: 5, afterClient: 5
    })
  })

  it('reports a deleted entry as a tombstone, which survives a reload of the stored state', () => {
    const room = new Y.Doc()
    room.getMap('messages').set('m', { content: 'hi' })
    room.getMap('messages').delete('m')
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(room))
    for (const doc of [room, reloaded]) {
      expect(changesOf(doc, updateOf(doc, copy => copy.getMap('messages').set('m', { content: 'again' })))).toMatchObject([
        { key: 'm', before: undefined, tombstone: true }
      ])
    }
  })

  it('refuses what no Parley document holds: nested types, list items, text, GC structs', () => {
    const room = new Y.Doc()
    const failure = (update: Uint8Array) => effectOf(room, update)
    expect(failure(updateOf(room, doc => doc.getMap('users').set('ada', new Y.Map())))).toEqual({ ok: false, reason: 'nested-type' })
    expect(failure(updateOf(room, doc => doc.getArray('users').insert(0, [1])))).toEqual({ ok: false, reason: 'not-a-map-entry' })
    expect(failure(updateOf(room, doc => doc.getText('t').insert(0, 'hi')))).toEqual({ ok: false, reason: 'not-a-map-entry' })
    expect(failure(craft(e => { uint(e, 1); run(e, 1, 3, 0); encoding.writeUint8(e, 0); uint(e, 4) }))).toEqual({ ok: false, reason: 'gc-struct' })
    expect(failure(new Uint8Array([1, 2, 3]))).toEqual({ ok: false, reason: 'malformed' })
  })

  it('reads the value an entry held before from its item, which Yjs keeps until after the observers', () => {
    const room = new Y.Doc()
    room.getMap('users').set('ada', { name: 'Ada' })
    room.getMap('users').set('ada', { name: 'Ada Lovelace' })
    // Two writes within the update, then a removal: before is the room's, not the first write.
    const update = updateOf(room, doc => {
      doc.transact(() => doc.getMap('users').set('ada', { name: 'first' }))
      doc.transact(() => doc.getMap('users').delete('ada'))
    })
    expect(changesOf(room, update)).toMatchObject([
      { key: 'ada', before: { name: 'Ada Lovelace' }, tombstone: false, after: undefined, tombstoneAfter: true, replaced: true, written: [{ name: 'first' }] }
    ])
  })

  it('tells what lived before the update: not its own items, and items it deleted did', () => {
    const room = new Y.Doc()
    room.getMap('users').set('ada', { name: 'Ada' })
    const ada = room.getMap('users')._map.get('ada')!
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(room))
    const lived: boolean[] = []
    doc.on('beforeObserverCalls', (transaction: Y.Transaction) => {
      const read = readEffect(transaction)
      if (!read.ok) throw new Error(read.reason)
      const users = doc.getMap('users')._map
      lived.push(read.effect.livedBefore(users.get('ada')!.left!), read.effect.livedBefore(users.get('ada')!), read.effect.livedBefore(users.get('bob')!))
    })
    Y.applyUpdate(doc, updateOf(room, copy => { copy.getMap('users').set('ada', { name: 'Eve' }); copy.getMap('users').set('bob', { name: 'Bob' }) }))
    expect(doc.getMap('users')._map.get('ada')!.left!.id).toEqual(ada.id)
    expect(lived).toEqual([true, false, false])
  })

  it('deletions of what is already deleted change nothing', () => {
    const room = new Y.Doc()
    room.getMap('users').set('ada', { name: 'Ada' })
    const item = room.getMap('users')._map.get('ada')!
    room.getMap('users').delete('ada')
    expect(changesOf(room, craft(e => uint(e, 0), deleting(item.id.client, [[item.id.clock, 1]])))).toEqual([])
  })
})
