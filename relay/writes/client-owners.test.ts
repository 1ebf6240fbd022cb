// Client ids stay bound to their users across restarts and compaction; ids from before binding are read from what they wrote.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { parseRoom, type RoomRef } from '../../shared/protocol'
import { MemoryStore } from '../storage/memory-store'
import { ClientOwners, clientOwnersKey, inferOwner } from './client-owners'

const ROOM = 'group/GGGGGGGGGGGGGGGGGGGGGG/0'

describe('ClientOwners', () => {
  it('keeps each binding in the store, out of every client\'s reach, across reloads and compaction', async () => {
    const store = new MemoryStore()
    expect(parseRoom(clientOwnersKey(ROOM))).toBeNull()
    const owners = await ClientOwners.load(store, ROOM)
    owners.bind([1, 2], 'ada')
    owners.bind([2, 3], 'eve')
    await owners.whenWritten()
    expect([owners.ownerOf(1), owners.ownerOf(2), owners.ownerOf(3), owners.ownerOf(4)]).toEqual(['ada', 'ada', 'eve', undefined])
    await store.compact(clientOwnersKey(ROOM))
    const reloaded = await ClientOwners.load(store, ROOM)
    expect([reloaded.ownerOf(1), reloaded.ownerOf(2), reloaded.ownerOf(3)]).toEqual(['ada', 'ada', 'eve'])
    expect(await (await ClientOwners.load(store, `${ROOM}0`)).ownerOf(1)).toBeUndefined()
  })

  it('reports a failed write when asked whether the bindings are stored', async () => {
    const store = new MemoryStore()
    const owners = await ClientOwners.load(store, ROOM)
    await store.close()
    owners.bind([1], 'ada')
    await expect(owners.whenWritten()).rejects.toThrow(/closed/)
  })
})

describe('inferOwner', () => {
  const room = (name: string) => parseRoom(name) as RoomRef

  it('reads a legacy id\'s owner from a live message, profile or activity entry; a user room is its owner\'s', () => {
    const doc = new Y.Doc()
    doc.clientID = 11
    doc.getMap('messages').set('m', { sender_id: 'ada', content: 'hi' })
    expect(inferOwner(doc, room(ROOM), 11)).toBe('ada')
    expect(inferOwner(doc, room(ROOM), 12)).toBeUndefined()
    const directory = new Y.Doc()
    directory.clientID = 5
    directory.getMap('users').set('bob', { name: 'Bob' })
    expect(inferOwner(directory, room('directory'), 5)).toBe('bob')
    expect(inferOwner(new Y.Doc(), room(`user/${'U'.repeat(22)}`), 1)).toBe('U'.repeat(22))
  })

  it('says nothing from deleted entries or groups (any admin writes those)', () => {
    const doc = new Y.Doc()
    doc.clientID = 11
    doc.getMap('messages').set('m', { sender_id: 'ada', content: 'hi' })
    doc.getMap('messages').delete('m')
    expect(inferOwner(doc, room(ROOM), 11)).toBeUndefined()
    const index = new Y.Doc()
    index.clientID = 5
    index.getMap('group').set('G'.repeat(22), { name: 'Team' })
    expect(inferOwner(index, room(`group/${'G'.repeat(22)}`), 5)).toBeUndefined()
  })
})
