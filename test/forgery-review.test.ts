// Forgeries found by reviewing the judge of what Yjs does: tombstones left by a write and a delete in one update, fields hidden under __proto__, client ids taken from presence.
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { createIdentity, type Identity } from '../shared/identity'
import { randomId } from '../shared/ids'
import { MUX_PATH, MessageType, bucketRoom, conversationRoom, directConversation, groupConversation, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import type { Relay } from '../relay/server'
import { MAX_BUCKET_ENTRIES } from '../relay/writes/judge-update'
import { after, craft, deleting, mapEntry, run } from './hand-updates'
import { parseGroup } from '../shared/model'
import { groupRecord } from '../shared/schema'
import { notePresence, relayDoc } from './hand-socket'
import { Fixture, authenticatedSocket, readMuxMessage, readMuxRefusal, updateFrame, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

const NOW = '2026-12-07T10:00:00.000Z'
/** The shape of a signature (the relay checks shapes; clients check signatures). */
const SIGNATURE = 'A'.repeat(85) + 'w'

/** A raw mux socket of `identity` in `room`: sends what it is given, keeps refusals and the presence it hears. */
const rawSocket = async (relay: Relay, identity: Identity, room: string) => {
  const socket: WebSocket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  const refusals: string[] = []
  /** Awareness client ids heard from the relay, with the user each state names. */
  const heard = new Map<number, string>()
  let synced = false
  socket.on('message', (data: Buffer) => {
    const { refusal } = readMuxRefusal(data)
    if (refusal !== null) { refusals.push(refusal); return }
    synced = true
    notePresence(readMuxMessage(data).payload, heard, { keepRemoved: true })
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  await waitFor(`${room} to answer the join`, () => synced)
  return {
    refusals,
    heard,
    send: (payload: Uint8Array) => socket.send(encodeMuxFrame({ kind: 'message', room, payload })),
    /** Sends an update; 'accepted' once the relay's copy satisfies `holds`, else the refusal it was told. */
    outcome: async (update: Uint8Array, holds: () => Promise<boolean>, timeoutMs = 5000): Promise<string> => {
      const count = refusals.length
      socket.send(updateFrame(room, update))
      return waitFor('the relay to apply or refuse the update', async () =>
        refusals.length > count ? refusals[count]! : (await holds()) ? 'accepted' : null, timeoutMs).catch(() => 'neither applied nor refused')
    }
  }
}

/** An activity entry of a conversation's index: how many messages its sender sent there (none yet). */
const activityOf = () => ({ count: 0, last: null, signature: SIGNATURE })

const groupOf = (creator: Identity, members: Identity[]) => ({
  group_id: randomId(), name: 'Team', user_ids: [creator.user_id, ...members.map(member => member.user_id)], admin_ids: [creator.user_id],
  created_by: creator.user_id, created_at: NOW, updated_at: NOW, deleted_at: null
})

const directMessage = (from: Identity, to: Identity, content = 'hi') => ({
  message_id: randomId(), sender_id: from.user_id, receiver_id: to.user_id, group_id: null, content,
  created_at: NOW, updated_at: NOW, deleted_at: null, signature: SIGNATURE
})

/** One update writing each `[key, value]` into `root` from `client` at clock 0, every one of them deleted again by its own delete set. */
const writtenAndDeleted = (client: number, root: string, values: Array<[string, unknown]>): Uint8Array =>
  craft(e => {
    encoding.writeVarUint(e, 1)
    run(e, values.length, client, 0)
    for (const [key, value] of values) mapEntry(e, root, key, value)
  }, deleting(client, [[0, values.length]]))

const entryItem = async (relay: Relay, room: string, root: string, key: string): Promise<Y.Item | undefined> =>
  (await relayDoc(relay, room)).getMap(root)._map.get(key)

/** Ada (admin) creates a group with Eve and Bob as members, its record written by hand in the group's own index room. */
const handGroup = async (relay: Relay) => {
  const [ada, bob, eve] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
  const group = groupOf(ada, [bob, eve])
  const index = conversationRoom(groupConversation(group.group_id))
  const adaSide = await rawSocket(relay, ada, index)
  expect(await adaSide.outcome(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 5001, 0); mapEntry(e, 'group', group.group_id, group) }),
    async () => (await entryItem(relay, index, 'group', group.group_id)) !== undefined)).toBe('accepted')
  return { ada, bob, eve, group, index }
}

describe('a removal made within the writing update is judged as a removal', () => {
  it('a member cannot tombstone a future bucket of a group\'s index (which would hide every later message from the others)', async () => {
    const relay = await fixture.relay()
    const { ada, eve, index: room } = await handGroup(relay)
    const eveSide = await rawSocket(relay, eve, room)
    // Eve adds buckets 1..3 to the index and takes them out again, in one update: the rules see
    // only the values written (each a valid entry), never the removal.
    const tombstones = writtenAndDeleted(0x7000_0001, 'buckets', ['1', '2', '3'].map(key => [key, { created_at: NOW }]))
    const eveOutcome = await eveSide.outcome(tombstones, async () => (await entryItem(relay, room, 'buckets', '3'))?.deleted === true)
    // Later, bucket 0 is full and Ada's client starts bucket 1, as it must.
    const adaSide = await rawSocket(relay, ada, room)
    const adaOutcome = await adaSide.outcome(
      craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 0x7000_0002, 0); mapEntry(e, 'buckets', '1', { created_at: NOW }) }),
      async () => (await relayDoc(relay, room)).getMap('buckets').has('1'))
    expect({ eve: eveOutcome, ada: adaOutcome }).toEqual({ eve: 'rejected-update:not-yours', ada: 'accepted' })
  })

  it('message ids written and deleted within one update are refused, and so cannot pass the bucket cap', async () => {
    const relay = await fixture.relay()
    const [ada, eve] = await Promise.all([createIdentity(), createIdentity()])
    const room = bucketRoom(directConversation(ada.user_id, eve.user_id), 0)
    const eveSide = await rawSocket(relay, eve, room)
    const count = MAX_BUCKET_ENTRIES + 500
    const messages = Array.from({ length: count }, () => directMessage(eve, ada))
    const outcome = await eveSide.outcome(writtenAndDeleted(0x7000_0003, 'messages', messages.map(message => [message.message_id, message])),
      async () => (await relayDoc(relay, room)).getMap('messages')._map.size >= count)
    const held = (await relayDoc(relay, room)).getMap('messages')._map.size
    // Taking a message out that was never there is no one's to do; the cap would refuse it too.
    expect({ outcome, held }).toEqual({ outcome: 'rejected-update:not-yours', held: 0 })
  })
})

describe('the relay judges the value it stores', () => {
  it('a member cannot leave a group with a value whose fields sit under __proto__ (judged whole, stored without them: the group is destroyed)', async () => {
    const dataDir = await fixture.tempDir()
    const relay = await fixture.relay({ dataDir })
    const { ada, eve, group, index } = await handGroup(relay)
    const current = (await entryItem(relay, index, 'group', group.group_id))!
    // A valid leave, but for three own fields: the rest is under "__proto__", which lib0's readAny
    // assigns as the prototype. The relay's parser reads through it and finds a valid leave, and
    // Object.keys (the unknown-field check) does not see it; Yjs encodes the value it stores and
    // sends from its own fields only.
    const { group_id, created_by, created_at, ...rest } = { ...group, user_ids: group.user_ids.filter(id => id !== eve.user_id) }
    const leave = JSON.parse(`{"group_id":"${group_id}","created_by":"${created_by}","created_at":"${created_at}","__proto__":${JSON.stringify(rest)}}`) as unknown
    const eveSide = await rawSocket(relay, eve, index)
    const outcome = await eveSide.outcome(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 0x7000_0004, 0); after(e, current.id.client, current.id.clock + current.length - 1, leave) }),
      async () => (await entryItem(relay, index, 'group', group.group_id))?.id.client === 0x7000_0004)
    // What clients get, and what the store holds.
    const served = groupRecord(await relayDoc(relay, index)).get(group.group_id)
    const servedValid = parseGroup(served, group.group_id).ok
    // After a restart the relay reads the stored value: the admin can no longer change the group.
    await relay.close()
    const again = await fixture.relay({ dataDir })
    const adaSide = await rawSocket(again, ada, index)
    const latest = (await entryItem(again, index, 'group', group.group_id))!
    const renamed = { ...group, name: 'Renamed', updated_at: '2026-12-07T11:00:00.000Z' }
    const adaOutcome = await adaSide.outcome(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 5001, 1); after(e, latest.id.client, latest.id.clock + latest.length - 1, renamed) }),
      async () => (groupRecord(await relayDoc(again, index)).get(group.group_id) as { name?: string } | undefined)?.name === 'Renamed')
    expect({ outcome, servedValid, adaOutcome }).toEqual({ outcome: 'rejected-update:unknown-field', servedValid: true, adaOutcome: 'accepted' })
  })
})

describe('Yjs client ids belong to people', () => {
  it('a client id someone publishes presence under cannot be taken by another user before its owner first writes under it', async () => {
    const relay = await fixture.relay()
    const [bob, eve] = await Promise.all([createIdentity(), createIdentity()])
    const room = conversationRoom(directConversation(bob.user_id, eve.user_id))
    const eveSide = await rawSocket(relay, eve, room)
    const bobSide = await rawSocket(relay, bob, room)
    // Bob's app opens their conversation and he types: his presence names his document's Yjs client id, as y-protocols does.
    const bobDoc = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(bobDoc)
    fixture.defer(() => awareness.destroy())
    awareness.setLocalState({ user_id: bob.user_id, typing: true })
    bobSide.send(encodeMessage(MessageType.awareness, e => encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [bobDoc.clientID]))))
    // Eve hears it, and writes her own activity entry under Bob's id before Bob writes anything.
    const taken = await waitFor('Eve to hear Bob\'s presence', () => [...eveSide.heard].find(([, user]) => user === bob.user_id)?.[0])
    expect(taken).toBe(bobDoc.clientID)
    const eveOutcome = await eveSide.outcome(craft(e => { encoding.writeVarUint(e, 1); run(e, 1, taken, 0); mapEntry(e, 'activity', eve.user_id, activityOf()) }),
      async () => (await relayDoc(relay, room)).getMap('activity').has(eve.user_id))
    // Bob, offline meanwhile, wrote his activity entry under his id. Had Eve's gone through, Yjs
    // would take his items for ones it holds (same id, same clocks): the relay would neither apply
    // nor refuse them, his client would take them for delivered, and his copy and the relay's
    // would differ for good.
    bobDoc.getMap('activity').set(bob.user_id, activityOf())
    const bobOutcome = await bobSide.outcome(Y.encodeStateAsUpdate(bobDoc),
      async () => (await relayDoc(relay, room)).getMap('activity').has(bob.user_id), 2000)
    expect({ eve: eveOutcome, bob: bobOutcome }).toEqual({ eve: 'rejected-update:not-your-client-id', bob: 'accepted' })
  })
})
