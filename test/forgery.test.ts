// Nobody writes what is not theirs: forged writes are refused and told, kept out of every honest copy, and the forger can go on honestly.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../shared/identity'
import type { Group, Message, User } from '../shared/model'
import { CloseCode, MUX_PATH, V1_DIRECTORY_ROOM, bucketRoom, conversationRoom, directConversation, encodeAwarenessEntries, encodeMuxFrame, groupConversation, profileRoom } from '../shared/protocol'
import { bucketMessages, directoryGroupsOfV1, directoryUsersOfV1, groupRecord, profileRecord } from '../shared/schema'
import { signMessage } from '../shared/message-signature'
import { randomId } from '../shared/ids'
import { muxNetwork } from '../client/network/mux-network'
import type { Relay } from '../relay/server'
import { Fixture, groupWithMessage, authenticatedSocket, readMuxMessage, readMuxRefusal, contents, waitFor } from './helpers'
import { joinRefusal, notePresence } from './hand-socket'

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

describe('forged profiles', () => {
  it('refuses renaming or removing another\'s profile in their room, and anything but one\'s own profile in one\'s own; both rooms stay byte for byte', async () => {
    const relay = await fixture.relay()
    const { ada, bob, eve } = await groupWithMessage(fixture, relay)
    const adaRoom = profileRoom(ada.me.user_id)
    const eveRoom = profileRoom(eve.user_id)
    const before = { ada: await relayCopy(relay, adaRoom), eve: await relayCopy(relay, eveRoom) }
    /** One forgery by Eve from a fresh replica of a profile room (anyone may open one: profiles are public), judged on its own. */
    const forge = async (room: string, reason: string, write: (doc: Y.Doc, adaProfile: User) => void) => {
      const forger = await handReplica(relay, eve, room)
      const adaProfile = ada.profile()!
      await forger.forge(reason, () => write(forger.doc, adaProfile))
    }
    const now = new Date().toISOString()
    const eveProfile: User = { user_id: eve.user_id, name: 'Eve', public_key: eve.public_key, created_at: now, updated_at: now, deleted_at: null }
    // In Ada's room: her profile is hers alone to change or remove; no one else's goes there.
    await forge(adaRoom, 'not-yours', (doc, profile) => profileRecord(doc).set(ada.me.user_id, { ...profile, name: 'Ada (hacked)' }))
    await forge(adaRoom, 'not-yours', doc => profileRecord(doc).delete(ada.me.user_id))
    await forge(adaRoom, 'unknown-entry', doc => profileRecord(doc).set(eve.user_id, eveProfile))
    // In her own room: her profile only, under her own key; Ada's (as it is, signed key and all) is not hers to publish.
    await forge(eveRoom, 'unknown-entry', (doc, profile) => profileRecord(doc).set(ada.me.user_id, { ...profile, name: 'Ada (the real one)' }))
    // A profile room holds the one map `profile`: the directory's old maps, a group, or anything else are refused.
    const own: Group = { group_id: randomId(), name: 'Eve\'s', user_ids: [eve.user_id], admin_ids: [eve.user_id], created_by: eve.user_id, created_at: now, updated_at: now, deleted_at: null }
    for (const room of [adaRoom, eveRoom]) {
      await forge(room, 'unknown-root', doc => directoryUsersOfV1(doc).set(eve.user_id, eveProfile))
      await forge(room, 'unknown-root', doc => directoryGroupsOfV1(doc).set(own.group_id, own))
      await forge(room, 'unknown-root', doc => groupRecord(doc).set(own.group_id, own))
    }
    expect((await relayCopy(relay, adaRoom)).equals(before.ada)).toBe(true)
    expect((await relayCopy(relay, eveRoom)).equals(before.eve)).toBe(true)
    expect(ada.profile()?.name).toBe('Ada')
    expect(bob.user(ada.me.user_id)?.name).toBe('Ada')

    // Her own profile she may change, and those who hold it see the change.
    const { doc } = await handReplica(relay, eve, eveRoom)
    profileRecord(doc).set(eve.user_id, { ...(profileRecord(doc).get(eve.user_id) as User), name: 'Eve Renamed', updated_at: new Date().toISOString() })
    await waitFor('Bob sees Eve\'s new name', () => bob.user(eve.user_id)?.name === 'Eve Renamed')
  })

  it('keeps the directory of protocol v1 out of reach: no socket may join it', async () => {
    const relay = await fixture.relay()
    const eve = await createIdentity()
    // On one socket for every room, asking for it is asking for a room that cannot exist: the socket is closed.
    const mux = await authenticatedSocket(relay.wsUrl, MUX_PATH, eve)
    fixture.defer(() => mux.terminate())
    await new Promise(resolve => mux.once('open', resolve))
    const closed = new Promise<{ code: number; reason: string }>(resolve => mux.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    mux.send(encodeMuxFrame({ kind: 'join', room: V1_DIRECTORY_ROOM }))
    expect(await closed).toEqual({ code: CloseCode.badMessage, reason: 'unknown-room' })
    // On a socket of its own, the relay does not even upgrade the request.
    const single = await authenticatedSocket(relay.wsUrl, V1_DIRECTORY_ROOM, eve)
    fixture.defer(() => single.terminate())
    single.on('error', () => {})
    const status = await new Promise<number>((resolve, reject) => {
      single.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      single.once('open', () => reject(new Error('the relay opened a socket to the directory')))
    })
    expect(status).toBe(404)
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
  /**
   * A raw mux socket of `identity` in `room`: publishes hand-made awareness entries, and records
   * the presence refusals it is told and the client ids it hears present now (with whose state).
   */
  const presenceSocket = async (relay: Relay, identity: Identity, room: string) => {
    const socket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
    fixture.defer(() => socket.terminate())
    const refusals: string[] = []
    const heard = new Map<number, string>()
    let synced = false
    socket.on('message', (data: Buffer) => {
      const { refusal } = readMuxRefusal(data)
      if (refusal !== null) { refusals.push(refusal); return }
      synced = true
      notePresence(readMuxMessage(data).payload, heard)
    })
    await new Promise(resolve => socket.once('open', resolve))
    socket.send(encodeMuxFrame({ kind: 'join', room }))
    await waitFor(`${room} to answer the join`, () => synced)
    type Entry = { client: number; clock: number; state: unknown }
    const publish = (entries: Entry[]): void => {
      socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeAwarenessEntries(entries.map(entry => ({ ...entry, state: JSON.stringify(entry.state) }))) }))
    }
    return {
      heard,
      refusals,
      publish,
      /** Publishes entries and waits for the relay's refusal of them, returning it. */
      refused: async (entries: Entry[]): Promise<string> => {
        const count = refusals.length
        publish(entries)
        await waitFor('the relay to refuse the presence', () => refusals.length > count)
        return refusals[count]!
      }
    }
  }

  it('refuses anyone\'s presence in Ada\'s profile room but hers: nobody makes her look online, or freezes her online state', async () => {
    const relay = await fixture.relay()
    const { ada, bob, eve } = await groupWithMessage(fixture, relay)
    await waitFor('Bob sees Ada online', () => bob.isOnline(ada.me.user_id))
    // Eve may look at Ada's profile (profiles are public), and so hears the client id Ada is online under.
    const forger = await presenceSocket(relay, eve, profileRoom(ada.me.user_id))
    const adaClient = await waitFor('Eve hears Ada\'s presence', () => [...forger.heard].find(([, user]) => user === ada.me.user_id)?.[0])

    // Present in Ada's room as herself, or as Ada under a client id of her own: neither is hers to publish.
    expect(await forger.refused([{ client: 1234, clock: 1, state: { user_id: eve.user_id } }])).toBe('rejected-presence:not-your-presence')
    expect(await forger.refused([{ client: 1235, clock: 1, state: { user_id: ada.me.user_id } }])).toBe('rejected-presence:not-your-presence')
    // Ada's own client id, at a clock Ada would never reach, with a state or with none (that would
    // freeze Ada's state), or a removal under any other: in her profile room nobody else publishes anything.
    expect(await forger.refused([{ client: adaClient, clock: 2 ** 40, state: { user_id: ada.me.user_id } }])).toBe('rejected-presence:not-your-presence')
    expect(await forger.refused([{ client: adaClient, clock: 2 ** 40, state: null }])).toBe('rejected-presence:not-your-presence')
    expect(await forger.refused([{ client: 4321, clock: 2 ** 40, state: null }])).toBe('rejected-presence:not-your-presence')
    expect(bob.isOnline(ada.me.user_id)).toBe(true)

    // Ada goes offline; Eve cannot bring her back online, under a new client id or under Ada's last one.
    ada.setOnline(false)
    await waitFor('Bob sees Ada go offline', () => !bob.isOnline(ada.me.user_id))
    expect(await forger.refused([{ client: 1236, clock: 1, state: { user_id: ada.me.user_id } }])).toBe('rejected-presence:not-your-presence')
    expect(await forger.refused([{ client: adaClient, clock: 2 ** 40, state: { user_id: ada.me.user_id } }])).toBe('rejected-presence:not-your-presence')
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(bob.isOnline(ada.me.user_id)).toBe(false)
    expect(bob.online().map(user => user.user_id)).not.toContain(ada.me.user_id)
    // Ada's presence still works both ways.
    ada.setOnline(true)
    await waitFor('Bob sees Ada back online', () => bob.isOnline(ada.me.user_id))
    ada.setOnline(false)
    await waitFor('Bob sees Ada offline again', () => !bob.isOnline(ada.me.user_id))
  })

  it('in her own profile room Eve is present as herself only, under a few client ids', async () => {
    const relay = await fixture.relay()
    const { bob, eve } = await groupWithMessage(fixture, relay)
    const victim = await createIdentity()
    const own = await presenceSocket(relay, eve, profileRoom(eve.user_id))
    // Someone else's state in her room (which would read as their presence to no one, and is still no one's to publish).
    expect(await own.refused([{ client: 1234, clock: 1, state: { user_id: victim.user_id } }])).toBe('rejected-presence:not-your-presence')
    // A flood of entries, each its own client id.
    expect(await own.refused([1, 2, 3].map(client => ({ client: 5000 + client, clock: 1, state: { user_id: eve.user_id } })))).toBe('rejected-presence:too-many-presence-entries')
    expect(bob.isOnline(eve.user_id)).toBe(false)
    // Her own presence is fine: Bob, who shares a group with her, sees her online.
    own.publish([{ client: 777, clock: 1, state: { user_id: eve.user_id } }])
    await waitFor('Bob sees Eve online', () => bob.isOnline(eve.user_id))
    expect(own.refusals).toHaveLength(2)
  })

  it('in a conversation, nobody takes over the client id someone is typing under to freeze it', async () => {
    const relay = await fixture.relay()
    const { adaIdentity: ada, bob, eve, group } = await groupWithMessage(fixture, relay)
    const index = conversationRoom(groupConversation(group.group_id))
    // Ada's and Bob's apps in the group's room, by hand: Ada types (as her app says so), Bob hears it.
    const adaApp = await presenceSocket(relay, ada, index)
    const bobApp = await presenceSocket(relay, bob.me, index)
    const forger = await presenceSocket(relay, eve, index)
    const adaClient = 0x5a5a
    adaApp.publish([{ client: adaClient, clock: 1, state: { user_id: ada.user_id, typing: true } }])
    await waitFor('Bob hears Ada typing', () => bobApp.heard.get(adaClient) === ada.user_id)
    await waitFor('Eve hears Ada typing', () => forger.heard.get(adaClient) === ada.user_id)
    expect(await forger.refused([{ client: adaClient, clock: 2 ** 40, state: { user_id: eve.user_id, typing: true } }])).toBe('rejected-presence:taken-client-id')
    expect(await forger.refused([{ client: adaClient, clock: 2 ** 40, state: null }])).toBe('rejected-presence:taken-client-id')
    // Ada typing under a client id of Eve's: refused as any state not one's own. And no flood of ids of her own.
    expect(await forger.refused([{ client: 4321, clock: 1, state: { user_id: ada.user_id, typing: true } }])).toBe('rejected-presence:not-your-presence')
    expect(await forger.refused([1, 2, 3].map(client => ({ client: 6000 + client, clock: 1, state: { user_id: eve.user_id, typing: true } })))).toBe('rejected-presence:too-many-presence-entries')
    expect(bobApp.heard).toEqual(new Map([[adaClient, ada.user_id]]))
    // Ada's typing still ends, for Bob: her client id was not frozen.
    adaApp.publish([{ client: adaClient, clock: 2, state: null }])
    await waitFor('Bob hears Ada stop typing', () => !bobApp.heard.has(adaClient))
    // Eve typing as herself, under a client id of her own, is heard.
    forger.publish([{ client: 4322, clock: 1, state: { user_id: eve.user_id, typing: true } }])
    await waitFor('Bob hears Eve typing', () => bobApp.heard.get(4322) === eve.user_id)
    expect([adaApp.refusals, bobApp.refusals]).toEqual([[], []])
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
