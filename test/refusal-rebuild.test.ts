// A refused update is applied, judged and then undone: the room's document is rebuilt without it, and nothing that watches the document acts on it.
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { createIdentity } from '../shared/identity'
import type { Group } from '../shared/model'
import { conversationRoom, directConversation, groupConversation, profileRoom, userRoom } from '../shared/protocol'
import { groupRecord, profileRecord, userConversations } from '../shared/schema'
import type { Relay } from '../relay/server'
import { Fixture, contents, groupWithMessage, readMarksUpdate, sendConfirmed, waitFor } from './helpers'
import { handSocket, inRelayRoom, relayDoc } from './hand-socket'
import { after, craft, deletedEntry, mapEntry, run } from './hand-updates'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** A group's index room, which holds its record. */
const indexOf = (group_id: string): string => conversationRoom(groupConversation(group_id))

const groupIn = async (relay: Relay, group_id: string): Promise<Group> =>
  groupRecord(await relayDoc(relay, indexOf(group_id))).get(group_id) as Group

const NOW = '2026-12-07T10:00:00.000Z'
const LATER = '2026-12-07T11:00:00.000Z'

/** A Yjs client id of its own (a fresh, random one). */
const freshClient = (): number => 1 + Math.floor(Math.random() * 0x7ffffff0)

/** One entry under a Yjs client id of its own. */
const entryUpdate = (root: string, key: string, value: unknown): Uint8Array =>
  craft(e => { encoding.writeVarUint(e, 1); run(e, 1, freshClient(), 0); mapEntry(e, root, key, value) })

/** A new value for an entry the relay holds, placed after its current one: Yjs makes it the entry's value. */
const overwrite = async (relay: Relay, room: string, root: string, key: string, value: unknown): Promise<Uint8Array> => {
  const current = (await relayDoc(relay, room)).getMap(root)._map.get(key)!
  return craft(e => { encoding.writeVarUint(e, 1); run(e, 1, freshClient(), 0); after(e, current.id.client, current.id.clock + current.length - 1, value) })
}

describe('a refused update is undone before anyone acts on it', () => {
  it('a member taking someone out of a group is refused, and nobody is let out; the rebuilt group room still lets out whom the admin removes', async () => {
    const relay = await fixture.relay()
    const { ada, bob, eve, group, adaSide, bobSide } = await groupWithMessage(fixture, relay)
    const room = indexOf(group.group_id)
    const hand = await handSocket(fixture, relay, eve, room)
    const stored = await groupIn(relay, group.group_id)
    const withoutBob = { ...stored, user_ids: stored.user_ids.filter(id => id !== bob.me.user_id), updated_at: new Date().toISOString() }
    expect(await hand.refused(await overwrite(relay, room, 'group', group.group_id, withoutBob))).toBe('rejected-update:not-an-admin')
    // Yjs applied it and called the group room's observers before the judge's refusal undid it: Bob stays, and keeps the group in his list.
    await sendConfirmed(adaSide, ['still here?'])
    await waitFor('Bob gets the next message', async () => (await contents(bobSide)).includes('still here?'))
    expect(bobSide.refusal).toBeNull()
    expect((await groupIn(relay, group.group_id)).user_ids).toContain(bob.me.user_id)
    expect(userConversations(await relayDoc(relay, userRoom(bob.me.user_id))).has(room)).toBe(true)
    expect(bob.group(group.group_id)).not.toBeNull()
    // The relay reads group membership from the rebuilt document from now on.
    ada.removeMembers(group.group_id, [bob.me.user_id])
    await waitFor('Bob is refused once Ada takes him out', () => bobSide.refusal === 'not-a-member')
  })

  it('members and the store get the room as accepted, and writes go on after the rebuild', async () => {
    const dataDir = await fixture.tempDir()
    const relay = await fixture.relay({ dataDir })
    const { ada, bob, eve, group } = await groupWithMessage(fixture, relay)
    const room = indexOf(group.group_id)
    const hand = await handSocket(fixture, relay, eve, room)
    const stored = await groupIn(relay, group.group_id)
    await waitFor('Ada\'s writes are all on the relay', () => ada.undelivered().length === 0)
    const before = Buffer.from(Y.encodeStateAsUpdate(await relayDoc(relay, room)))
    const takeover = { ...stored, name: 'Eve\'s', admin_ids: [eve.user_id] }
    expect(await hand.refused(await overwrite(relay, room, 'group', group.group_id, takeover))).toBe('rejected-update:not-an-admin')
    expect(Buffer.from(Y.encodeStateAsUpdate(await relayDoc(relay, room)))).toEqual(before)
    ada.renameGroup(group.group_id, 'Team 2')
    await waitFor('Bob sees the rename', () => bob.groups().some(known => known.group_id === group.group_id && known.name === 'Team 2'))
    expect((await groupIn(relay, group.group_id)).admin_ids).toEqual([ada.me.user_id])
    await relay.close()
    const restarted = await fixture.relay({ dataDir })
    expect(await groupIn(restarted, group.group_id)).toMatchObject({ name: 'Team 2', admin_ids: [ada.me.user_id] })
  })

  it('a refused profile is undone in its profile room before anyone holding it sees it, and its owner writes on', async () => {
    const relay = await fixture.relay()
    const [bob, ada] = await Promise.all([createIdentity(), fixture.client(relay, 'Ada')])
    const room = profileRoom(bob.user_id)
    const hand = await handSocket(fixture, relay, bob, room)
    const profile = { user_id: bob.user_id, name: 'Bob', public_key: bob.public_key, created_at: NOW, updated_at: NOW, deleted_at: null }
    await hand.accepted(entryUpdate('profile', bob.user_id, profile), async () => profileRecord(await relayDoc(relay, room)).has(bob.user_id))
    // Ada holds Bob's profile, and notes every name she is shown for him.
    await waitFor('Ada looks Bob up', async () => (await ada.lookUp(bob.user_id))?.name === 'Bob')
    const shown = new Set<string>()
    ada.subscribe(() => { const name = ada.user(bob.user_id)?.name; if (name) shown.add(name) })
    const before = Buffer.from(Y.encodeStateAsUpdate(await relayDoc(relay, room)))
    // Yjs applies the new name, with a field no parser knows, before the judge refuses it.
    expect(await hand.refused(await overwrite(relay, room, 'profile', bob.user_id, { ...profile, name: 'Robert', avatar: 'x'.repeat(500) })))
      .toBe('rejected-update:unknown-field')
    expect(Buffer.from(Y.encodeStateAsUpdate(await relayDoc(relay, room)))).toEqual(before)
    // His next profile, built on what the relay holds, goes through to Ada.
    await hand.accepted(await overwrite(relay, room, 'profile', bob.user_id, { ...profile, name: 'Bobby', updated_at: LATER }),
      async () => (profileRecord(await relayDoc(relay, room)).get(bob.user_id) as { name?: string } | undefined)?.name === 'Bobby')
    await waitFor('Ada sees Bob\'s next name', () => ada.user(bob.user_id)?.name === 'Bobby')
    expect([...shown]).not.toContain('Robert')
  })

  it('keeps what the relay wrote itself in a room since its last accepted update', async () => {
    const relay = await fixture.relay()
    const [bob, ada] = await Promise.all([createIdentity(), fixture.client(relay, 'Ada')])
    const own = userRoom(bob.user_id)
    const hand = await handSocket(fixture, relay, bob, own)
    // Bob writes in his own room (the relay now holds what it accepted there), then Ada writes to him...
    await hand.accepted(readMarksUpdate(1), async () => (await relayDoc(relay, own)).getMap('reads').size === 1)
    await sendConfirmed(await ada.openDirect(bob.user_id), ['hello Bob'])
    const conversation = conversationRoom(directConversation(ada.me.user_id, bob.user_id))
    await waitFor('the relay adds the conversation to Bob\'s list', async () => (await relayDoc(relay, own)).getMap('conversations').has(conversation))
    // ...and a refused update of his does not take the relay's entry with it.
    expect(await hand.refused(entryUpdate('reads', 'x', 1))).toBe('rejected-update:invalid-value')
    const after = await relayDoc(relay, own)
    expect(after.getMap('conversations').has(conversation)).toBe(true)
    expect(after.getMap('reads').size).toBe(1)
  })

  it('an update of clocks the relay holds cannot name roots the room does not have (Yjs would add each to the document)', async () => {
    const relay = await fixture.relay()
    const bob = await createIdentity()
    const own = userRoom(bob.user_id)
    const hand = await handSocket(fixture, relay, bob, own)
    const client = freshClient()
    const clocks = 2000
    await hand.accepted(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, client, 0); deletedEntry(e, 'reads', 'group/x', clocks) }),
      async () => Y.getState((await relayDoc(relay, own)).store, client) === clocks)
    const roots = await inRelayRoom(relay, own, room => room.doc.share.size)
    // The same clocks again, one struct each naming a root of its own: Yjs would skip them as held, yet add every root.
    const known = craft(e => {
      encoding.writeVarUint(e, 1); run(e, clocks, client, 0)
      for (let i = 0; i < clocks; i++) deletedEntry(e, `root-${i}`, 'k', 1)
    })
    expect(await hand.refused(known)).toBe('rejected-update:unknown-root')
    expect(await inRelayRoom(relay, own, room => room.doc.share.size)).toBe(roots)
  })
})
