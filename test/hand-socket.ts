// A hand-held client for attack tests: a raw mux socket sending hand-made updates, and the relay's own copy of a room.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import type { Identity } from '../shared/identity'
import { MUX_PATH, MessageType, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import type { Room } from '../relay/room'
import type { Relay } from '../relay/server'
import { expect } from 'vitest'
import { authenticatedSocket, readMuxRefusal, waitFor, type Fixture } from './helpers'

/** A raw mux socket of `identity` in `room`, sending hand-made updates and collecting the refusals it is told. */
export const handSocket = async (fixture: Fixture, relay: Relay, identity: Identity, room: string) => {
  const socket: WebSocket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  const refusals: string[] = []
  let synced = false
  socket.on('message', (data: Buffer) => {
    const { refusal } = readMuxRefusal(data)
    if (refusal !== null) refusals.push(refusal)
    else synced = true
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  await waitFor(`${room} to answer the join`, () => synced)
  /** Sends one update, as it is. */
  const send = (update: Uint8Array): void => {
    socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => {
      encoding.writeVarUint(encoder, 2)
      encoding.writeVarUint8Array(encoder, update)
    }) }))
  }
  return {
    refusals,
    send,
    /** Sends one update and waits for the relay to refuse it, returning why. */
    refused: async (update: Uint8Array): Promise<string> => {
      const count = refusals.length
      send(update)
      await waitFor('the relay to refuse the update', () => refusals.length > count)
      return refusals[count]!
    },
    /** Sends one update the relay should accept, and waits until its copy holds `holds`. */
    accepted: async (update: Uint8Array, holds: () => Promise<boolean>): Promise<void> => {
      const count = refusals.length
      send(update)
      await waitFor('the relay to apply the update', holds)
      expect(refusals.slice(count)).toEqual([])
    }
  }
}

/** What `look` reads from a room as the relay holds it in memory (loaded for the look if need be). */
export const inRelayRoom = async <T>(relay: Relay, room: string, look: (loaded: Room) => T): Promise<T> => {
  const reader = { send: () => {}, awarenessClients: new Set<number>(), user_id: '', revoke: () => {} }
  const loaded = await relay.registry.join(room, reader)
  try {
    return look(loaded)
  } finally {
    relay.registry.leave(loaded, reader)
  }
}

/** The relay's copy of a room, as a document of its own. */
export const relayDoc = (relay: Relay, room: string): Promise<Y.Doc> => inRelayRoom(relay, room, loaded => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(loaded.doc))
  return doc
})

/**
 * What the relay answers `identity` joining `room` on a raw mux socket: the refusal it is told
 * (its reason, e.g. 'not-a-member'), and how many messages of the room reached it before that
 * (none, for a room one may not read).
 */
export const joinRefusal = async (fixture: Fixture, relay: Relay, identity: Identity, room: string, timeoutMs = 8000): Promise<{ refusal: string; received: number }> => {
  const socket: WebSocket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  let refusal: string | null = null
  let received = 0
  socket.on('message', (data: Buffer) => {
    const answer = readMuxRefusal(data)
    if (answer.room !== room) return
    if (answer.refusal !== null) refusal ??= answer.refusal
    else if (refusal === null) received += 1
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  return { refusal: await waitFor(`${room} to refuse the join`, () => refusal, timeoutMs), received }
}

/**
 * Notes the presence a room's message carries, if it is an awareness message: each client id with
 * the user its state names; a removal forgets its client id unless `keepRemoved`.
 */
export const notePresence = (message: Uint8Array, heard: Map<number, string>, { keepRemoved = false } = {}): void => {
  const decoder = decoding.createDecoder(message)
  if (decoding.readVarUint(decoder) !== MessageType.awareness) return
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
  for (let count = decoding.readVarUint(update); count > 0; count--) {
    const client = decoding.readVarUint(update)
    decoding.readVarUint(update)
    const state = JSON.parse(decoding.readVarString(update)) as { user_id?: string } | null
    if (state?.user_id) heard.set(client, state.user_id)
    else if (!keepRemoved) heard.delete(client)
  }
}
