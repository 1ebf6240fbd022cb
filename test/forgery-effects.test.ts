// Hand-made encodings cannot smuggle an effect past the rules: what Yjs does with an update is what the relay judges.
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { createIdentity } from '../shared/identity'
import type { Group, Message } from '../shared/model'
import { randomId } from '../shared/ids'
import { signMessage } from '../shared/message-signature'
import { MUX_PATH, bucketRoom, conversationRoom, groupConversation, encodeMuxFrame } from '../shared/protocol'
import { groupRecord } from '../shared/schema'
import type { Relay } from '../relay/server'
import { MAX_REFUSALS_PER_USER } from '../relay/writes/judge-update'
import { Fixture, groupWithMessage, authenticatedSocket, contents, readMuxRefusal, waitFor } from './helpers'
import { handSocket, relayDoc } from './hand-socket'
import { after, before, craft, deletedEntry, deleting, mapEntry, run } from './hand-updates'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** The item an entry's value lives in, in the relay's copy. */
const itemOf = async (relay: Relay, room: string, root: string, key: string): Promise<Y.Item> => {
  const item = (await relayDoc(relay, room)).getMap(root)._map.get(key)
  if (!item) throw new Error(`no ${root}[${key}] in ${room}`)
  return item
}

const bytesOf = async (relay: Relay, room: string): Promise<Buffer> => Buffer.from(Y.encodeStateAsUpdate(await relayDoc(relay, room)))

describe('refusals cost their writer', () => {
  it('after 8 refused updates in a room, a user\'s next ones there are refused before they are tried', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group } = await groupWithMessage(fixture, relay)
    // Eve is a member, so she may be in the group's room; she is no admin.
    const hand = await handSocket(fixture, relay, eve, indexOf(group.group_id))
    const stored = await groupIn(relay, group.group_id)
    const takeover = () => craft(e => {
      encoding.writeVarUint(e, 1); run(e, 1, randomClient(), 0)
      mapEntry(e, 'group', group.group_id, { ...stored, name: 'Eve\'s', admin_ids: [...stored.admin_ids, eve.user_id] })
    })
    for (let i = 0; i < MAX_REFUSALS_PER_USER; i++) expect(await hand.refused(takeover())).toBe('rejected-update:not-an-admin')
    expect(await hand.refused(takeover())).toBe('rejected-update:too-many-refusals')
    // Others write on as before.
    ada.renameGroup(group.group_id, 'Team 2')
    await waitFor('the rename is on the relay', async () => (await groupIn(relay, group.group_id)).name === 'Team 2')
  })
})

describe('Yjs client ids belong to people, after a restart too', () => {
  it('keeps each id bound to its user in the store, so a restarted relay still refuses someone else under it', async () => {
    const dataDir = await fixture.tempDir()
    const first = await fixture.relay({ dataDir })
    const [ada, bob, eve] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
    const group = { group_id: randomId(), name: 'Team', user_ids: [ada.user_id, bob.user_id, eve.user_id], admin_ids: [ada.user_id], created_by: ada.user_id, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), deleted_at: null }
    const index = indexOf(group.group_id)
    // Ada's id wrote only the group's record, from which nobody can tell whose it is (any admin writes it).
    const adaHand = await handSocket(fixture, first, ada, index)
    await adaHand.accepted(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 4242, 0); mapEntry(e, 'group', group.group_id, group) }),
      async () => (await groupIn(first, group.group_id)) !== undefined)
    await first.close()
    const second = await fixture.relay({ dataDir })
    const hand = await handSocket(fixture, second, eve, index)
    // Eve's own activity entry, which she may write, under Ada's id at its next clock.
    const activity = { count: 1, last: null, signature: 'A'.repeat(85) + 'w' }
    expect(await hand.refused(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 4242, 1); mapEntry(e, 'activity', eve.user_id, activity) })))
      .toBe('rejected-update:not-your-client-id')
  })
})

/** A Yjs client id no honest client is likely to have, larger than any: Yjs orders concurrent items by client id. */
const HIGH_CLIENT = 0xfffffff0

/** A group's own index room, where its record is. */
const indexOf = (group_id: string): string => conversationRoom(groupConversation(group_id))

const groupIn = async (relay: Relay, group_id: string): Promise<Group> =>
  groupRecord(await relayDoc(relay, indexOf(group_id))).get(group_id) as Group

describe('effects hidden by the encoding', () => {
  it('a struct overlapping clocks the relay holds, applied by Yjs from its tail into a group entry, is judged there', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group } = await groupWithMessage(fixture, relay)
    const index = indexOf(group.group_id)
    const leaving = await handSocket(fixture, relay, eve, index)
    // Eve leaves the group honestly, under a client id of her choosing (and so is let out of its room)...
    const current = await itemOf(relay, index, 'group', group.group_id)
    const stored = await groupIn(relay, group.group_id)
    const left = { ...stored, user_ids: stored.user_ids.filter(id => id !== eve.user_id), updated_at: new Date().toISOString() }
    leaving.send(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, HIGH_CLIENT, 0); after(e, current.id.client, current.id.clock + current.length - 1, left) }))
    await waitFor('Eve is out', async () => !(await groupIn(relay, group.group_id)).user_ids.includes(eve.user_id))
    await waitFor('Eve is let out of the room', () => leaving.refusals.length > 0)
    expect(leaving.refusals).toEqual(['not-a-member'])
    // ...and Ada adds her back: Ada's entry now sits right after Eve's.
    ada.addMembers(group.group_id, [eve.user_id])
    await waitFor('Eve is back in', async () => (await groupIn(relay, group.group_id)).user_ids.includes(eve.user_id))
    const hand = await handSocket(fixture, relay, eve, index)
    const before_ = await bytesOf(relay, index)

    // Two deleted clocks declared in her own activity entry, from clock 0: Yjs skips the clock it
    // holds and places the second after her group entry, where it deletes Ada's current value.
    const overlapping = craft(e => { encoding.writeVarUint(e, 1); run(e, 1, HIGH_CLIENT, 0); deletedEntry(e, 'activity', eve.user_id, 2) })
    expect(await hand.refused(overlapping)).toBe('rejected-update:not-an-admin')
    expect((await bytesOf(relay, index)).equals(before_)).toBe(true)
    expect(ada.group(group.group_id)?.admin_ids).toEqual([ada.me.user_id])
  })

  it('a value dead on arrival beside a deletion of the current value is judged as the removal it is', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group } = await groupWithMessage(fixture, relay)
    const index = indexOf(group.group_id)
    const before_ = await bytesOf(relay, index)
    const current = await itemOf(relay, index, 'group', group.group_id)
    const stored = await groupIn(relay, group.group_id)
    const leaving = { ...stored, user_ids: stored.user_ids.filter(id => id !== eve.user_id), updated_at: new Date().toISOString() }
    const hand = await handSocket(fixture, relay, eve, index)
    // A leave (which she may write) placed before the current value, so Yjs deletes it on arrival,
    // and a delete set removing the current value: together, the group is gone.
    const deadLeave = craft(e => { encoding.writeVarUint(e, 1); run(e, 1, HIGH_CLIENT - 1, 0); before(e, current.id, leaving) },
      deleting(current.id.client, [[current.id.clock, 1]]))
    expect(await hand.refused(deadLeave)).toBe('rejected-update:not-an-admin')
    expect((await bytesOf(relay, index)).equals(before_)).toBe(true)
    expect(ada.group(group.group_id)?.name).toBe('Team')
  })

  it('the same encodings cannot take a bucket out of a conversation\'s index', async () => {
    const relay = await fixture.relay()
    const { eve, group } = await groupWithMessage(fixture, relay)
    const room = conversationRoom(groupConversation(group.group_id))
    const current = await itemOf(relay, room, 'buckets', '0')
    const before_ = await bytesOf(relay, room)
    const hand = await handSocket(fixture, relay, eve, room)
    const refresh = { created_at: new Date().toISOString() }
    expect(await hand.refused(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, HIGH_CLIENT - 2, 0); before(e, current.id, refresh) },
      deleting(current.id.client, [[current.id.clock, 1]])))).toBe('rejected-update:not-yours')
    expect((await bytesOf(relay, room)).equals(before_)).toBe(true)
  })
})

describe('nothing comes back from deletion', () => {
  it('a group an admin took out of its room cannot be created again by someone else, who would be its admin', async () => {
    const relay = await fixture.relay()
    const { adaIdentity, eve, group } = await groupWithMessage(fixture, relay)
    const index = indexOf(group.group_id)
    const adaHand = await handSocket(fixture, relay, adaIdentity, index)
    const current = await itemOf(relay, index, 'group', group.group_id)
    await adaHand.accepted(craft(e => encoding.writeVarUint(e, 0), deleting(current.id.client, [[current.id.clock, 1]])),
      async () => (await groupIn(relay, group.group_id)) === undefined)
    const hand = await handSocket(fixture, relay, eve, index)
    const now = new Date().toISOString()
    const taken: Group = { ...group, name: 'Mine now', user_ids: [eve.user_id], admin_ids: [eve.user_id], created_by: eve.user_id, created_at: now, updated_at: now }
    // Written after the removed value, as a client that saw it would write it (so Yjs would make it the entry's value).
    expect(await hand.refused(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, randomClient(), 0); after(e, current.id.client, current.id.clock + current.length - 1, taken) })))
      .toBe('rejected-update:deleted-for-good')
    // And so the group's history stays closed to her.
    const bucket = await authenticatedSocket(relay.wsUrl, MUX_PATH, eve)
    fixture.defer(() => bucket.terminate())
    const refusals: string[] = []
    bucket.on('message', (data: Buffer) => { const { refusal } = readMuxRefusal(data); if (refusal) refusals.push(refusal) })
    await new Promise(resolve => bucket.once('open', resolve))
    bucket.send(encodeMuxFrame({ kind: 'join', room: bucketRoom(groupConversation(group.group_id), 0) }))
    await waitFor('the bucket refused', () => refusals.length > 0)
    expect(refusals[0]).toMatch(/^no-such-group|^group-deleted/)
  })

  it('a message id its sender took out of a bucket is not taken again by someone else', async () => {
    const relay = await fixture.relay()
    const { adaIdentity, eve, group } = await groupWithMessage(fixture, relay)
    const room = bucketRoom(groupConversation(group.group_id), 0)
    const [plan] = [...(await relayDoc(relay, room)).getMap('messages').values()] as Message[]
    const current = await itemOf(relay, room, 'messages', plan!.message_id)
    const adaHand = await handSocket(fixture, relay, adaIdentity, room)
    await adaHand.accepted(craft(e => encoding.writeVarUint(e, 0), deleting(current.id.client, [[current.id.clock, 1]])),
      async () => !(await relayDoc(relay, room)).getMap('messages').has(plan!.message_id))
    const now = new Date().toISOString()
    const fields = { ...plan!, sender_id: eve.user_id, content: 'mine now', created_at: now, updated_at: now }
    const reused = { ...fields, signature: await signMessage(eve, fields) }
    const hand = await handSocket(fixture, relay, eve, room)
    expect(await hand.refused(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, randomClient(), 0); mapEntry(e, 'messages', plan!.message_id, reused) })))
      .toBe('rejected-update:deleted-for-good')
  })
})

describe('Yjs client ids belong to people', () => {
  it('nobody writes under someone else\'s client id, so what its owner wrote offline is not silently lost', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group, adaSide, bobSide } = await groupWithMessage(fixture, relay)
    const room = bucketRoom(groupConversation(group.group_id), 0)
    const adas = [...(await relayDoc(relay, room)).getMap('messages')._map.values()][0]!
    const adaClient = adas.id.client
    // Ada writes while offline, under her client id, at the next clock the relay does not hold yet.
    ada.setOnline(false)
    await adaSide.send('written offline')
    // Eve takes that very clock first, with a message of her own.
    const state = Y.getState((await relayDoc(relay, room)).store, adaClient)
    const now = new Date().toISOString()
    const fields = {
      message_id: randomId(), sender_id: eve.user_id, receiver_id: null, group_id: group.group_id,
      content: 'first at that clock', created_at: now, updated_at: now, deleted_at: null
    }
    const own = { ...fields, signature: await signMessage(eve, fields) }
    const hand = await handSocket(fixture, relay, eve, room)
    expect(await hand.refused(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, adaClient, state); mapEntry(e, 'messages', own.message_id, own) })))
      .toBe('rejected-update:not-your-client-id')
    ada.setOnline(true)
    await waitFor('Bob gets what Ada wrote offline', async () => (await contents(bobSide)).includes('written offline'))
    expect(await contents(bobSide)).toEqual(['the plan', 'written offline'])
  })
})

const randomClient = (): number => Math.floor(Math.random() * 0x7fffffff)
