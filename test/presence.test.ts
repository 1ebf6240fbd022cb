// Presence over the real relay: renewals stay with their sender, changes reach everyone in the room, and the relay says who left (closed or silent).
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createIdentity, type Identity } from '../shared/identity'
import { MUX_PATH, MessageType, conversationRoom, decodeMuxFrame, directConversation, encodeMessage, encodeMuxFrame, profileRoom } from '../shared/protocol'
import type { Relay } from '../relay/server'
import { Fixture, authenticatedSocket, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

interface Entry { client: number; clock: number; state: Record<string, unknown> | null }

/**
 * A raw mux socket of `identity` in `room`, publishing presence by hand (by default, that it is
 * there and not typing) and recording every awareness entry the relay sends it.
 */
const presenceSocket = async (relay: Pick<Relay, 'wsUrl'>, identity: Identity, room: string) => {
  const socket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  const received: Entry[] = []
  let joined = false
  socket.on('message', (data: Buffer) => {
    const frame = decodeMuxFrame(new Uint8Array(data))
    if (typeof frame === 'string' || frame.kind !== 'message') return
    const decoder = decoding.createDecoder(frame.payload)
    const type = decoding.readVarUint(decoder)
    // The relay's sync step 1 is its first message of the room: we are in.
    if (type === MessageType.sync) joined = true
    if (type !== MessageType.awareness) return
    const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
    for (let count = decoding.readVarUint(update); count > 0; count--) {
      received.push({ client: decoding.readVarUint(update), clock: decoding.readVarUint(update), state: JSON.parse(decoding.readVarString(update)) as Entry['state'] })
    }
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  await waitFor(`joined ${room}`, () => joined)
  const client = Math.floor(Math.random() * 2 ** 31)
  let clock = 0
  return {
    client,
    received,
    /** Entries received about `about` (a client id). */
    about: (about: number) => received.filter(entry => entry.client === about),
    /** Publishes (or renews, with the same state) this socket's presence under the next clock. */
    publish: (state: Record<string, unknown> | null = { user_id: identity.user_id, typing: false }) => {
      clock += 1
      const update = encoding.encode(encoder => {
        encoding.writeVarUint(encoder, 1)
        encoding.writeVarUint(encoder, client)
        encoding.writeVarUint(encoder, clock)
        encoding.writeVarString(encoder, JSON.stringify(state))
      })
      socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.awareness, encoder => encoding.writeVarUint8Array(encoder, update)) }))
      return clock
    },
    user_id: identity.user_id,
    close: () => socket.close()
  }
}

/**
 * Ada and Bob, and the index room of their direct conversation: its presence is who is typing
 * there, and both of them (on any of their devices) may publish theirs.
 */
const directPair = async () => {
  const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
  return { ada, bob, room: conversationRoom(directConversation(ada.user_id, bob.user_id)) }
}

/** A relay with Ada's and Bob's presence sockets in their conversation, once Bob sees Ada's state. */
const adaSeenByBob = async () => {
  const relay = await fixture.relay()
  const pair = await directPair()
  const ada = await presenceSocket(relay, pair.ada, pair.room)
  const bob = await presenceSocket(relay, pair.bob, pair.room)
  ada.publish()
  await waitFor('Bob sees Ada', () => bob.about(ada.client).length === 1)
  return { relay, pair, ada, bob }
}

describe('presence on the relay', () => {
  it('forwards a new or changed state to everyone, and a renewal to nobody but its sender', async () => {
    const { relay, pair, ada, bob } = await adaSeenByBob()

    const renewal = ada.publish()
    await waitFor('Ada hears her renewal back', () => ada.about(ada.client).some(entry => entry.clock === renewal))
    const typing = ada.publish({ user_id: ada.user_id, typing: true })
    await waitFor('Bob sees Ada typing', () => bob.about(ada.client).some(entry => entry.clock === typing))
    // Messages of one socket arrive in order: had the renewal gone to Bob, he would have it by now.
    expect(bob.about(ada.client)).toEqual([
      { client: ada.client, clock: 1, state: { user_id: ada.user_id, typing: false } },
      { client: ada.client, clock: typing, state: { user_id: ada.user_id, typing: true } }
    ])

    // A newcomer (Bob on another device) gets the latest of everyone.
    const bobsPhone = await presenceSocket(relay, pair.bob, pair.room)
    await waitFor('Bob\'s phone sees Ada', () => bobsPhone.about(ada.client).length === 1)
    expect(bobsPhone.about(ada.client)[0]!.state).toEqual({ user_id: ada.user_id, typing: true })
  })

  it('tells everyone at once that a closed connection\'s user left', async () => {
    const { ada, bob } = await adaSeenByBob()
    ada.close()
    // NOTE: the presence timeout is 30 s here, so a removal seen within the wait came from the close.
    await waitFor('Bob sees Ada leave', () => bob.about(ada.client).some(entry => entry.state === null), 5000)
    expect(bob.about(ada.client).at(-1)!.state).toBeNull()
  })

  it('removes a state not renewed within the timeout, for everyone, and keeps one renewed in time', async () => {
    const timeoutMs = 400
    const relay = await fixture.relay({ limits: { presenceTimeoutMs: timeoutMs } })
    const pair = await directPair()
    const ada = await presenceSocket(relay, pair.ada, pair.room)
    // Ada's other device, which goes silent (asleep, say).
    const silent = await presenceSocket(relay, pair.ada, pair.room)
    const bob = await presenceSocket(relay, pair.bob, pair.room)
    ada.publish()
    const publishedAt = performance.now()
    silent.publish()
    const renewing = setInterval(() => ada.publish(), timeoutMs / 4)
    fixture.defer(() => clearInterval(renewing))
    await waitFor('Bob sees both', () => bob.about(ada.client).length === 1 && bob.about(silent.client).length === 1)
    await waitFor('the relay removes the silent one', () => bob.about(silent.client).some(entry => entry.state === null), 3000)
    expect(performance.now() - publishedAt).toBeGreaterThanOrEqual(timeoutMs)
    // Everyone is told, the silent one too (it would come back with its next renewal).
    await waitFor('the silent one is told', () => silent.about(silent.client).some(entry => entry.state === null))
    await new Promise(resolve => setTimeout(resolve, timeoutMs * 2))
    expect(bob.about(ada.client)).toHaveLength(1)
  })

  it('hears back at once from a client it timed out that is still there (a device that slept)', async () => {
    const relay = await fixture.relay({ limits: { presenceTimeoutMs: 300 } })
    const adaIdentity = await createIdentity()
    // Bob watches Ada's online state: her profile room's presence.
    const bob = await presenceSocket(relay, await createIdentity(), profileRoom(adaIdentity.user_id))
    const ada = await fixture.client(relay, 'Ada', { identity: adaIdentity })
    const adaEntries = () => {
      const client = bob.received.find(entry => entry.state?.user_id === ada.me.user_id)?.client
      return client === undefined ? [] : bob.about(client)
    }
    await waitFor('Bob sees Ada', () => adaEntries().length > 0)
    // Ada renews every 15 s, so the relay times her out; she answers with a fresh clock.
    await waitFor('the relay removes Ada', () => adaEntries().some(entry => entry.state === null), 3000)
    const removed = adaEntries().find(entry => entry.state === null)!
    await waitFor('Ada is back at once', () => adaEntries().some(entry => entry.clock > removed.clock && entry.state !== null), 200)
  })
})
