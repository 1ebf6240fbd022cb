// A group is visible to its members only: a stranger learns neither its name nor its members by any path, and a removed member stops hearing of it.
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../shared/identity'
import { randomId } from '../shared/ids'
import type { Group } from '../shared/model'
import {
  CloseCode, MUX_PATH, MessageType, bucketRoom, conversationRoom, encodeMessage, encodeMuxFrame, groupConversation, profileRoom, userRoom
} from '../shared/protocol'
import { groupRecord } from '../shared/schema'
import { Fixture, authenticatedSocket, readMuxRefusal, sendConfirmed, updateFrame, waitFor } from './helpers'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

/** A raw socket that keeps every byte the relay sends it, and the rooms it is refused. */
const listeningSocket = async (wsUrl: string, path: string, identity: Identity) => {
  const socket: WebSocket = await authenticatedSocket(wsUrl, path, identity)
  fixture.defer(() => socket.terminate())
  const received: Buffer[] = []
  const denied = new Map<string, string>()
  socket.on('message', (data: Buffer) => {
    received.push(Buffer.from(data))
    if (path !== MUX_PATH) return
    const { room, refusal } = readMuxRefusal(data)
    if (refusal !== null) denied.set(room, refusal)
  })
  const closed = new Promise<{ code: number; reason: string }>(resolve =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('close', () => resolve())
    socket.once('error', reject)
  })
  return {
    socket,
    denied,
    closed,
    join: (room: string) => socket.send(encodeMuxFrame({ kind: 'join', room })),
    /** Asks for the whole room: sync step 1 with an empty state vector. */
    askEverything: (room: string) => socket.send(encodeMuxFrame({
      kind: 'message',
      room,
      payload: encodeMessage(MessageType.sync, encoder => {
        encoding.writeVarUint(encoder, 0)
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()))
      })
    })),
    heard: (text: string) => Buffer.concat(received).includes(Buffer.from(text))
  }
}

describe('private groups', () => {
  it('tells a stranger nothing of a group: not on the mux, not on a one-room socket, not in a member\'s profile, presence or her own room', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const group = await ada.createGroup({ name: 'Secret Cabal ✶', user_ids: [bob.me.user_id] })
    await sendConfirmed(await ada.openGroup(group.group_id), ['meet at dawn'])
    await waitFor('Bob, a member, is told of it', () => bob.group(group.group_id)?.name === 'Secret Cabal ✶')

    const eve = await createIdentity()
    const index = conversationRoom(groupConversation(group.group_id))
    const bucket = bucketRoom(groupConversation(group.group_id), 0)
    const mux = await listeningSocket(relay.wsUrl, MUX_PATH, eve)
    for (const room of [profileRoom(ada.me.user_id), userRoom(eve.user_id), index, bucket]) {
      mux.join(room)
      // Sent before the relay has answered the join: it waits with the join, and must be dropped with it.
      mux.askEverything(room)
    }
    const oneRoom = await listeningSocket(relay.wsUrl, index, eve)
    expect(await oneRoom.closed).toEqual({ code: CloseCode.forbidden, reason: 'not-a-member' })
    await waitFor('both group rooms refused on the mux', () => mux.denied.size === 2, 8000)
    expect(Object.fromEntries(mux.denied)).toEqual({ [index]: 'not-a-member', [bucket]: 'not-a-member' })

    // The group changes while she is connected: she hears nothing of that either.
    ada.renameGroup(group.group_id, 'Secret Cabal, renamed')
    await waitFor('Bob sees the new name', () => bob.group(group.group_id)?.name === 'Secret Cabal, renamed')
    const client = await fixture.client(relay, 'Eve', { identity: eve, transport: 'mux' })
    expect(await client.whenSynced()).toBe(true)
    expect(client.groups()).toEqual([])
    expect(client.group(group.group_id)).toBeNull()
    // The people search finds people, never groups: not by the group's name, not in the whole list.
    expect((await client.findPeople('Secret')).people).toEqual([])
    const everyone = await client.findPeople('', { limit: 50 })
    expect(everyone.people.map(person => person.name).sort()).toEqual(['Ada', 'Bob', 'Eve'])
    expect(JSON.stringify(everyone)).not.toContain('Secret Cabal')
    // Ada's profile is public: Eve did read it (and Ada's presence), which says nothing of the group.
    expect(mux.heard(ada.me.public_key)).toBe(true)
    for (const socket of [mux, oneRoom]) {
      expect(socket.heard('Secret Cabal')).toBe(false)
      expect(socket.heard('meet at dawn')).toBe(false)
    }
  })

  it('takes out a member removed while connected: their list drops the group and no later change reaches them', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const carolIdentity = await createIdentity()
    const carol = await fixture.client(relay, 'Carol', { identity: carolIdentity })
    const group = await ada.createGroup({ name: 'Before', user_ids: [bob.me.user_id, carol.me.user_id] })
    await waitFor('Carol is told of the group', () => carol.group(group.group_id) !== null)
    const index = conversationRoom(groupConversation(group.group_id))
    const carolSocket = await listeningSocket(relay.wsUrl, MUX_PATH, carolIdentity)
    carolSocket.join(index)
    carolSocket.askEverything(index)
    await waitFor('her socket has the group', () => carolSocket.heard('Before'))

    ada.removeMembers(group.group_id, [carol.me.user_id])
    await waitFor('her list drops the group', () => carol.groups().length === 0)
    expect(carol.group(group.group_id)).toBeNull()
    await waitFor('her socket is let out', () => carolSocket.denied.get(index) === 'not-a-member')
    ada.renameGroup(group.group_id, 'After Carol left')
    await waitFor('Bob sees the new name', () => bob.group(group.group_id)?.name === 'After Carol left')
    expect(carolSocket.heard('After Carol left')).toBe(false)
  })

  it('lets a stranger who waits in the room of a group not yet created see nothing once it is', async () => {
    const relay = await fixture.relay()
    const [adaIdentity, eve] = await Promise.all([createIdentity(), createIdentity()])
    const bob = await fixture.client(relay, 'Bob')
    const group_id = randomId()
    const index = conversationRoom(groupConversation(group_id))
    const early = await listeningSocket(relay.wsUrl, MUX_PATH, eve)
    early.join(index)
    await waitFor('the empty room answers her', () => early.heard(index))

    const now = new Date().toISOString()
    const record: Group = {
      group_id, name: 'Founded with a guessed id', user_ids: [adaIdentity.user_id, bob.me.user_id], admin_ids: [adaIdentity.user_id],
      created_by: adaIdentity.user_id, created_at: now, updated_at: now, deleted_at: null
    }
    const doc = new Y.Doc()
    groupRecord(doc).set(group_id, record)
    const founder = await listeningSocket(relay.wsUrl, MUX_PATH, adaIdentity)
    founder.join(index)
    await waitFor('the founder is in the room', () => founder.heard(index))
    founder.socket.send(updateFrame(index, Y.encodeStateAsUpdate(doc)))

    await waitFor('Bob is told of the group', () => bob.group(group_id)?.name === 'Founded with a guessed id')
    await waitFor('the stranger is let out', () => early.denied.get(index) === 'not-a-member')
    expect(early.heard('Founded with a guessed id')).toBe(false)
  })
})
