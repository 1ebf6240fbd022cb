// Presence follows relationships: one's online state reaches one's contacts and whoever looks one up, never the whole relay, and only oneself can claim it.
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../shared/identity'
import { MUX_PATH, MessageType, encodeMessage, encodeMuxFrame, profileRoom } from '../shared/protocol'
import type { Relay } from '../relay/server'
import { Fixture, authenticatedSocket, readMuxRefusal, sendConfirmed, waitFor } from './helpers'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

/** Who is in a room on the relay now, by user id. */
const peersOf = (relay: Relay, room: string): string[] => [...relay.registry.peersOf(room)].map(peer => peer.user_id).filter(Boolean).sort()

/** A raw socket in `room` that publishes `state` as its presence, and collects what the relay refuses. */
const presenceSocket = async (relay: Relay, identity: Identity, room: string, state: Record<string, unknown>) => {
  const socket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  const refusals: string[] = []
  socket.on('message', (data: Buffer) => {
    const { refusal } = readMuxRefusal(data)
    if (refusal !== null) refusals.push(refusal)
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState(state)
  const update = encodeAwarenessUpdate(awareness, [awareness.clientID])
  socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.awareness, encoder => encoding.writeVarUint8Array(encoder, update)) }))
  return { socket, refusals }
}

describe('presence that follows relationships', () => {
  it('reaches contacts and whoever looks one up, within a second each way, and nobody else', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const carol = await fixture.client(relay, 'Carol')
    await sendConfirmed(await ada.openDirect(bob.me.user_id), ['hi Bob'])
    await waitFor('Bob, her contact, sees Ada online', () => bob.isOnline(ada.me.user_id), 1000)
    expect(await carol.lookUp(ada.me.user_id)).toMatchObject({ name: 'Ada' })
    await waitFor('Carol, who looked her up, sees Ada online', () => carol.isOnline(ada.me.user_id), 1000)

    // Dave is a stranger to all three: their arrivals and departures never reach him.
    const dave = await fixture.client(relay, 'Dave')
    expect(await dave.whenSynced()).toBe(true)
    expect(peersOf(relay, profileRoom(ada.me.user_id))).toEqual([ada.me.user_id, bob.me.user_id, carol.me.user_id].sort())
    expect(peersOf(relay, profileRoom(dave.me.user_id))).toEqual([dave.me.user_id])
    expect(dave.online()).toEqual([{ user_id: dave.me.user_id }])
    expect(dave.users().map(user => user.name)).toEqual(['Dave'])

    await ada.close()
    await waitFor('Bob sees Ada leave', () => !bob.isOnline(ada.me.user_id), 1000)
    await waitFor('Carol sees Ada leave', () => !carol.isOnline(ada.me.user_id), 1000)
  })

  it('lets nobody claim another\'s online state, and clears a dead socket\'s at once', async () => {
    const relay = await fixture.relay()
    const bob = await fixture.client(relay, 'Bob')
    const [ada, eve] = await Promise.all([createIdentity(), createIdentity()])
    await bob.lookUp(ada.user_id)

    const asAda = await presenceSocket(relay, eve, profileRoom(ada.user_id), { user_id: ada.user_id })
    const asEve = await presenceSocket(relay, eve, profileRoom(ada.user_id), { user_id: eve.user_id })
    await waitFor('both claims refused', () => asAda.refusals.length > 0 && asEve.refusals.length > 0)
    expect([...asAda.refusals, ...asEve.refusals]).toEqual(['rejected-presence:not-your-presence', 'rejected-presence:not-your-presence'])
    expect(bob.isOnline(ada.user_id)).toBe(false)

    const real = await presenceSocket(relay, ada, profileRoom(ada.user_id), { user_id: ada.user_id })
    await waitFor('Bob sees the real Ada online', () => bob.isOnline(ada.user_id), 1000)
    expect(real.refusals).toEqual([])
    real.socket.terminate()
    await waitFor('Bob sees her leave when her socket dies', () => !bob.isOnline(ada.user_id), 1000)
  })
})
