// Rooms are for their people only: a direct conversation's two participants, a group's current members, one's own room.
import { afterEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { createIdentity, type Identity } from '../shared/identity'
import { CloseCode, MUX_PATH, bucketRoom, conversationRoom, directConversation, groupConversation, userRoom, encodeMuxFrame } from '../shared/protocol'
import { Fixture, authenticatedSocket, readMuxRefusal, contents, sendConfirmed, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** A raw mux socket for `identity` that records, per room, the permission-denied reasons it receives. */
const muxSocket = async (wsUrl: string, identity: Identity) => {
  const socket = await authenticatedSocket(wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  const denied = new Map<string, string>()
  const messages = new Map<string, number>()
  socket.on('message', (data: Buffer) => {
    const { room, refusal } = readMuxRefusal(data)
    if (refusal !== null) denied.set(room, refusal)
    else messages.set(room, (messages.get(room) ?? 0) + 1)
  })
  await new Promise(resolve => socket.once('open', resolve))
  return {
    socket,
    denied,
    messages,
    join: (room: string) => socket.send(encodeMuxFrame({ kind: 'join', room }))
  }
}

const closeOf = (socket: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise(resolve => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))

describe('room access', () => {
  it('refuses someone else\'s direct conversation and own room, on a mux socket and on a one-room socket', async () => {
    const relay = await fixture.relay()
    const [ada, bob, eve] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
    const direct = directConversation(ada.user_id, bob.user_id)
    const eveSocket = await muxSocket(relay.wsUrl, eve)
    const forbidden = [conversationRoom(direct), bucketRoom(direct, 0), userRoom(ada.user_id)]
    for (const room of forbidden) eveSocket.join(room)
    await waitFor('every room refused', () => eveSocket.denied.size === forbidden.length)
    expect(Object.fromEntries(eveSocket.denied)).toEqual({
      [conversationRoom(direct)]: 'not-a-participant',
      [bucketRoom(direct, 0)]: 'not-a-participant',
      [userRoom(ada.user_id)]: 'not-the-owner'
    })
    // Nothing of those rooms was sent, and the socket stays usable for her own rooms.
    expect(eveSocket.messages.size).toBe(0)
    eveSocket.join(userRoom(eve.user_id))
    await waitFor('her own room syncs', () => eveSocket.messages.has(userRoom(eve.user_id)))

    const oneRoom = await authenticatedSocket(relay.wsUrl, bucketRoom(direct, 0), eve)
    fixture.defer(() => oneRoom.terminate())
    expect(await closeOf(oneRoom)).toEqual({ code: CloseCode.forbidden, reason: 'not-a-participant' })
  })

  it('refuses a group to someone who is not a member, and to everyone once it is deleted', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const eve = await createIdentity()
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id] })
    await sendConfirmed(await ada.openGroup(group.group_id), ['for members only'])
    const eveSocket = await muxSocket(relay.wsUrl, eve)
    eveSocket.join(conversationRoom(groupConversation(group.group_id)))
    eveSocket.join(bucketRoom(groupConversation(group.group_id), 0))
    eveSocket.join(bucketRoom(groupConversation('AAAAAAAAAAAAAAAAAAAAAA'), 0))
    await waitFor('all three refused', () => eveSocket.denied.size === 3, 8000)
    expect([...eveSocket.denied.values()].sort()).toEqual(['no-such-group', 'not-a-member', 'not-a-member'])
    expect(eveSocket.messages.size).toBe(0)

    await waitFor('Bob is told of the group', () => bob.group(group.group_id) !== null)
    const bobSide = await bob.openGroup(group.group_id)
    await waitFor('Bob, a member, reads it', async () => (await contents(bobSide)).includes('for members only'))
    ada.deleteGroup(group.group_id)
    await waitFor('Bob is let out of the deleted group', () => bobSide.refusal === 'group-deleted')
  })

  it('disconnects a member removed while connected from the group at once; they get nothing new', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const carol = await fixture.client(relay, 'Carol')
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id, carol.me.user_id] })
    const adaSide = await ada.openGroup(group.group_id)
    await waitFor('both are told of the group', () => bob.group(group.group_id) !== null && carol.group(group.group_id) !== null)
    const bobSide = await bob.openGroup(group.group_id)
    const carolSide = await carol.openGroup(group.group_id)
    await sendConfirmed(adaSide, ['before'])
    await waitFor('Carol has it', async () => (await contents(carolSide)).includes('before'))

    ada.removeMembers(group.group_id, [carol.me.user_id])
    await waitFor('Carol is refused', () => carolSide.refusal === 'not-a-member')
    await sendConfirmed(adaSide, ['after'])
    await waitFor('Bob gets the new message', async () => (await contents(bobSide)).includes('after'))
    expect(await contents(carolSide)).toEqual(['before'])
    const rooms = [...relay.registry.peersOf(bucketRoom(groupConversation(group.group_id), 0))].map(peer => peer.user_id)
    expect(rooms).not.toContain(carol.me.user_id)
  })

  it('tells the other person of a direct conversation about it: the relay adds it to their list', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    await sendConfirmed(await ada.openDirect(bob.me.user_id), ['hello Bob'])
    await waitFor('the conversation shows in Bob\'s list', () =>
      bob.conversations().some(summary => summary.room === conversationRoom(directConversation(ada.me.user_id, bob.me.user_id)) && summary.unread === 1))
  })
})
