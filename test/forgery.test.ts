// Nobody writes what is not theirs: forged writes are refused and told, kept out of every honest copy, and the forger can go on honestly.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../shared/identity'
import type { Group, Message, User } from '../shared/model'
import * as encoding from 'lib0/encoding'
import { DIRECTORY_ROOM, MUX_PATH, MessageType, bucketRoom, conversationRoom, directConversation, groupConversation, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import { bucketMessages, directoryGroupsOfV1, directoryUsers, groupRecord } from '../shared/schema'
import { signMessage } from '../shared/message-signature'
import { randomId } from '../shared/ids'
import { muxNetwork } from '../client/network/mux-network'
import type { Relay } from '../relay/server'
import { Fixture, groupWithMessage, authenticatedSocket, readMuxRefusal, contents, waitFor } from './helpers'
import { joinRefusal } from './hand-socket'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

interface HandLink {
  rejection: string | null
  rejections: number
}

/**
 * A hand-held replica of one room for `identity`: a bare Y.Doc on the real mux network that
 * sends whatever the test writes into it, as a modified client would.
 */
const handReplica = async (relay: { wsUrl: string }, identity: Identity, room: string) => {
  const network = muxNetwork({ url: relay.wsUrl, identity, WebSocket, maxBackoffMs: 300 })
  const doc = new Y.Doc()
  const link = network.connect(room, doc)
  fixture.defer(() => { link.destroy(); doc.destroy() })
  expect(await link.whenSynced(5000)).toBe(true)
  const hand = link as unknown as HandLink
  return {
    doc,
    /** Makes one forged write and waits for the relay to refuse it. */
    forge: async (reason: string, write: () => void) => {
      const before = hand.rejections
      write()
      await waitFor(`the relay to refuse with ${reason}`, () => hand.rejections > before)
      expect(hand.rejection).toBe(reason)
    }
  }
}

/** The relay's copy of a room, as bytes. */
const relayCopy = async (relay: Relay, room: string): Promise<Buffer> => {
  const reader = { send: () => {}, awarenessClients: new Set<number>(), user_id: '', revoke: () => {} }
  const loaded = await relay.registry.join(room, reader)
  try {
    return Buffer.from(Y.encodeStateAsUpdate(loaded.doc))
  } finally {
    relay.registry.leave(loaded, reader)
  }
}

const signed = async (identity: Identity, fields: Omit<Message, 'signature'>): Promise<Message> =>
  ({ ...fields, signature: await signMessage(identity, fields) })

describe('forged messages', () => {
  it('refuses posting as another, editing or deleting another\'s message; the relay\'s copy stays byte for byte; the forger goes on honestly', async () => {
    const relay = await fixture.relay()
    const { eve, group, bobSide, original } = await groupWithMessage(fixture, relay)
    const room = bucketRoom(groupConversation(group.group_id), 0)
    const before = await relayCopy(relay, room)

    // Each forgery from a fresh replica, so that each is judged on its own.
    const forgeries: Array<(messages: Y.Map<unknown>) => void> = [
      messages => messages.set(asAda.message_id, asAda),
      messages => messages.set(original.message_id, { ...original, content: 'the plan is off' }),
      messages => messages.set(original.message_id, { ...original, content: '', deleted_at: original.updated_at }),
      messages => messages.delete(original.message_id)
    ]
    const asAda = await signed(eve, { ...original, message_id: randomId(), content: 'Ada here: send me your password' })
    for (const write of forgeries) {
      const forger = await handReplica(relay, eve, room)
      await forger.forge('not-yours', () => write(bucketMessages(forger.doc)))
    }
    // Built on a refused edit, a later write is refused too (it could never be applied).
    const forger = await handReplica(relay, eve, room)
    const messages = bucketMessages(forger.doc)
    await forger.forge('not-yours', () => messages.set(original.message_id, { ...original, content: 'the plan is off' }))
    await forger.forge('depends-on-refused-update', () => messages.set(original.message_id, { ...original, content: 'really off' }))
    expect((await relayCopy(relay, room)).equals(before)).toBe(true)
    expect(await contents(bobSide)).toEqual(['the plan'])
    // Logged once per membership, not once per refused update.
    expect(relay.log.filter(line => line.includes('update-refused') && line.includes('not-yours')).length).toBeGreaterThanOrEqual(1)

    // Her own message, from the same replica, goes through.
    const now = new Date().toISOString()
    const own = await signed(eve, {
      message_id: randomId(), sender_id: eve.user_id, receiver_id: null, group_id: group.group_id,
      content: 'Eve, honestly', created_at: now, updated_at: now, deleted_at: null
    })
    messages.set(own.message_id, own)
    await waitFor('Bob gets Eve\'s honest message', async () => (await contents(bobSide)).includes('Eve, honestly'))
    expect(await contents(bobSide)).toEqual(['the plan', 'Eve, honestly'])
  })

  it('refuses a direct message written into a conversation it does not belong to', async () => {
    const relay = await fixture.relay()
    const [ada, bob, carol] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
    const forger = await handReplica(relay, ada, bucketRoom(directConversation(ada.user_id, bob.user_id), 0))
    const now = new Date().toISOString()
    const misaddressed = await signed(ada, {
      message_id: randomId(), sender_id: ada.user_id, receiver_id: carol.user_id, group_id: null,
      content: 'for Carol', created_at: now, updated_at: now, deleted_at: null
    })
    await forger.forge('wrong-conversation', () => bucketMessages(forger.doc).set(misaddressed.message_id, misaddressed))
  })
})

describe('forged directory entries', () => {
  it('refuses renaming or removing another\'s profile, and any group written into the directory (groups are kept in their own rooms)', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group } = await groupWithMessage(fixture, relay)
    const before = await relayCopy(relay, DIRECTORY_ROOM)
    /** One forgery from a fresh replica of the directory, judged on its own. */
    const forge = async (reason: string, write: (doc: Y.Doc, adaProfile: User) => void) => {
      const forger = await handReplica(relay, eve, DIRECTORY_ROOM)
      await forger.forge(reason, () => write(forger.doc, directoryUsers(forger.doc).get(ada.me.user_id) as User))
    }
    await forge('not-yours', (doc, profile) => directoryUsers(doc).set(ada.me.user_id, { ...profile, name: 'Ada (hacked)' }))
    await forge('not-yours', doc => directoryUsers(doc).delete(ada.me.user_id))
    // Where every group used to be: no longer a map of the directory at all, not even for a group of one's own.
    const now = new Date().toISOString()
    const own: Group = { group_id: randomId(), name: 'Eve\'s', user_ids: [eve.user_id], admin_ids: [eve.user_id], created_by: eve.user_id, created_at: now, updated_at: now, deleted_at: null }
    await forge('unknown-root', doc => directoryGroupsOfV1(doc).set(own.group_id, own))
    await forge('unknown-root', doc => directoryGroupsOfV1(doc).set(group.group_id, { ...group, name: 'Eve\'s team', admin_ids: [eve.user_id] }))
    expect((await relayCopy(relay, DIRECTORY_ROOM)).equals(before)).toBe(true)
    expect(ada.profile()?.name).toBe('Ada')
    expect(ada.group(group.group_id)?.name).toBe('Team')
  })
})

describe('forged group records', () => {
  it('keeps a group\'s room from anyone it does not name; a member who is no admin cannot change it, take it over, delete it or put another group there; she may only leave', async () => {
    const relay = await fixture.relay()
    const { ada, eve, group } = await groupWithMessage(fixture, relay)
    const index = conversationRoom(groupConversation(group.group_id))
    // Someone the group does not name cannot even open its rooms, so cannot read or write its record.
    const mallory = await createIdentity()
    const refused = await Promise.all([index, bucketRoom(groupConversation(group.group_id), 0)].map(room => joinRefusal(fixture, relay, mallory, room)))
    expect(refused).toEqual([{ refusal: 'not-a-member', received: 0 }, { refusal: 'not-a-member', received: 0 }])

    const before = await relayCopy(relay, index)
    /** One forgery by Eve, a member but no admin, from a fresh replica of the group's room, judged on its own. */
    const forge = async (reason: string, write: (record: Y.Map<unknown>, team: Group) => void, room = index) => {
      const forger = await handReplica(relay, eve, room)
      const record = groupRecord(forger.doc)
      await forger.forge(reason, () => write(record, record.get(group.group_id) as Group))
    }
    await forge('not-an-admin', (record, team) => record.set(group.group_id, { ...team, name: 'Eve\'s team' }))
    await forge('not-an-admin', (record, team) => record.set(group.group_id, { ...team, admin_ids: [...team.admin_ids, eve.user_id] }))
    await forge('not-an-admin', (record, team) => record.set(group.group_id, { ...team, user_ids: [...team.user_ids, mallory.user_id] }))
    await forge('not-an-admin', record => record.delete(group.group_id))
    // Another group, of her own, in this group's room: a room holds its own group only.
    await forge('unknown-entry', (record, team) => {
      const group_id = randomId()
      record.set(group_id, { ...team, group_id, user_ids: [eve.user_id], admin_ids: [eve.user_id], created_by: eve.user_id })
    })
    expect((await relayCopy(relay, index)).equals(before)).toBe(true)
    expect(ada.group(group.group_id)?.name).toBe('Team')
    expect(ada.group(group.group_id)?.admin_ids).toEqual([ada.me.user_id])

    // A new group's room is open until its record is written, but not to a record in someone else's name.
    const fresh = randomId()
    await forge('not-an-admin', record => record.set(fresh, { ...group, group_id: fresh, created_by: ada.me.user_id }), conversationRoom(groupConversation(fresh)))

    // Leaving is the one change a plain member may make to a group.
    const { doc } = await handReplica(relay, eve, index)
    const current = groupRecord(doc).get(group.group_id) as Group
    groupRecord(doc).set(group.group_id, { ...current, user_ids: current.user_ids.filter(id => id !== eve.user_id), updated_at: new Date().toISOString() })
    await waitFor('Ada sees Eve leave', () => ada.group(group.group_id)?.user_ids.includes(eve.user_id) === false)
    // And once out, she is out: the room refuses her as it does any other non-member.
    expect((await joinRefusal(fixture, relay, eve, index)).refusal).toBe('not-a-member')
  })
})

describe('forged presence', () => {
  /** A raw mux socket in the directory for `identity`, that records the presence refusals it is told. */
  const presenceSocket = async (relay: Relay, identity: Identity) => {
    const socket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
    fixture.defer(() => socket.terminate())
    const refusals: string[] = []
    socket.on('message', (data: Buffer) => {
      const { refusal } = readMuxRefusal(data)
      if (refusal !== null) refusals.push(refusal)
    })
    await new Promise(resolve => socket.once('open', resolve))
    socket.send(encodeMuxFrame({ kind: 'join', room: DIRECTORY_ROOM }))
    return {
      refusals,
      publish: (entries: Array<{ client: number; clock: number; state: unknown }>) => {
        const update = encoding.encode(encoder => {
          encoding.writeVarUint(encoder, entries.length)
          for (const { client, clock, state } of entries) {
            encoding.writeVarUint(encoder, client)
            encoding.writeVarUint(encoder, clock)
            encoding.writeVarString(encoder, JSON.stringify(state))
          }
        })
        socket.send(encodeMuxFrame({ kind: 'message', room: DIRECTORY_ROOM, payload: encodeMessage(MessageType.awareness, encoder => encoding.writeVarUint8Array(encoder, update)) }))
      }
    }
  }

  it('refuses making someone else look online, taking over their presence to freeze it, and flooding entries', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const victim = await createIdentity()
    const eve = await createIdentity()
    const forger = await presenceSocket(relay, eve)
    await waitFor('Bob sees Ada online', () => bob.isOnline(ada.me.user_id))

    forger.publish([{ client: 1234, clock: 1, state: { user_id: victim.user_id } }])
    await waitFor('refused', () => forger.refusals.length === 1)
    expect(forger.refusals[0]).toBe('rejected-presence:not-your-presence')

    // Ada's awareness client id is visible to everyone in the directory; Eve tries to freeze it.
    const adaClient = [...(bob as unknown as { awareness: { getStates(): Map<number, { user_id?: string }> } }).awareness.getStates()]
      .find(([, state]) => state.user_id === ada.me.user_id)![0]
    forger.publish([{ client: adaClient, clock: 2 ** 40, state: { user_id: eve.user_id } }])
    forger.publish([{ client: adaClient, clock: 2 ** 40, state: null }])
    await waitFor('both refused', () => forger.refusals.length === 3)
    expect(forger.refusals.slice(1)).toEqual(['rejected-presence:taken-client-id', 'rejected-presence:taken-client-id'])
    expect(bob.isOnline(ada.me.user_id)).toBe(true)
    expect(bob.isOnline(victim.user_id)).toBe(false)

    forger.publish([1, 2, 3].map(client => ({ client: 5000 + client, clock: 1, state: { user_id: eve.user_id } })))
    await waitFor('too many entries refused', () => forger.refusals.length === 4)
    expect(forger.refusals[3]).toBe('rejected-presence:too-many-presence-entries')

    // Ada's presence still works both ways: offline shows, and online again.
    ada.setOnline(false)
    await waitFor('Bob sees Ada go offline', () => !bob.isOnline(ada.me.user_id))
    ada.setOnline(true)
    await waitFor('Bob sees Ada back online', () => bob.isOnline(ada.me.user_id))
    // Eve's own presence is fine.
    forger.publish([{ client: 777, clock: 1, state: { user_id: eve.user_id } }])
    await waitFor('Bob sees Eve online', () => bob.isOnline(eve.user_id))
    expect(forger.refusals).toHaveLength(4)
  })
})

describe('an honest change the relay refuses', () => {
  it('is reported to its writer: leaving a group offline after it was renamed meanwhile', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id] })
    await waitFor('Bob sees the group', () => bob.group(group.group_id) !== null)
    const rejected: string[] = []
    bob.subscribe(change => { if (change === 'rejected') rejected.push(bob.lastRejection ?? '') })
    bob.setOnline(false)
    ada.renameGroup(group.group_id, 'Team 2')
    await waitFor('the rename is on the relay', async () => (await relayCopy(relay, conversationRoom(groupConversation(group.group_id)))).includes(Buffer.from('Team 2')))
    bob.removeMembers(group.group_id, [bob.me.user_id])
    bob.setOnline(true)
    await waitFor('Bob is told', () => rejected.length === 1)
    expect(rejected).toEqual(['not-an-admin'])
    // Nobody else sees the refused change.
    expect(ada.group(group.group_id)?.user_ids).toContain(bob.me.user_id)
  })
})
