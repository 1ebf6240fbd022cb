// What each user holds in a room: read from the document, moved by each change, tombstones included.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { RoomUsage, entryBytes, tombstoneBytes, usageDeltas } from './storage-quota'
import type { EntryChange } from './update-effect'

const owners = new Map([[1, 'ada'], [2, 'bob']])
const ownerOf = (client: number) => owners.get(client)

const change = (fields: Partial<EntryChange>): EntryChange => ({
  root: 'messages', key: 'm', before: undefined, tombstone: false, after: undefined, written: [],
  wroteDeleted: false, tombstoneAfter: false, replaced: true, beforeClient: null, afterClient: null, ...fields
})

describe('RoomUsage', () => {
  it('counts each live value and each tombstone against the owner of its item\'s client id', () => {
    const doc = new Y.Doc()
    doc.clientID = 1
    doc.getMap('messages').set('m1', { content: 'hello' })
    doc.getMap('messages').set('gone', { content: 'x' })
    doc.getMap('messages').delete('gone')
    const bob = new Y.Doc()
    bob.clientID = 2
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(doc))
    bob.getMap('messages').set('m2', { content: 'hi' })
    const usage = RoomUsage.of(bob, ownerOf)
    expect(usage.bytesOf('ada')).toBe(entryBytes({ content: 'hello' }) + tombstoneBytes('gone'))
    expect(usage.bytesOf('bob')).toBe(entryBytes({ content: 'hi' }))
    usage.apply(new Map([['bob', -entryBytes({ content: 'hi' })]]))
    expect(usage.bytesOf('bob')).toBe(0)
  })
})

describe('usageDeltas', () => {
  it('moves bytes from the replaced value\'s writer to the new one\'s, and leaves a tombstone\'s cost with its writer', () => {
    const before = { content: 'old' }
    const after = { content: 'a new one' }
    expect(usageDeltas([change({ before, beforeClient: 1, after, afterClient: 2 })], ownerOf))
      .toEqual(new Map([['ada', -entryBytes(before)], ['bob', entryBytes(after)]]))
    // Removed: Ada's value goes, its tombstone stays hers.
    expect(usageDeltas([change({ before, beforeClient: 1, afterClient: 1, tombstoneAfter: true })], ownerOf))
      .toEqual(new Map([['ada', tombstoneBytes('m') - entryBytes(before)]]))
    // A value dead on arrival changes nothing live.
    expect(usageDeltas([change({ before, beforeClient: 1, after: before, afterClient: 1, replaced: false, written: [after] })], ownerOf)).toEqual(new Map())
  })
})
