// A compacted room (its dead values garbage-collected) is judged as before: honest writes pass, forged ones are refused, newcomers get everything.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { createIdentity, type Identity } from '../shared/identity'
import { MUX_PATH, MessageType, bucketRoom, conversationRoom, directConversation, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import { bucketMessages, conversationActivity } from '../shared/schema'
import type { Message } from '../shared/model'
import type { Relay } from '../relay/server'
import type { RoomStore } from '../relay/storage/store'
import { MemoryStore } from '../relay/storage/memory-store'
import { Fixture, authenticatedSocket, contents, readMuxRefusal, sendConfirmed, waitFor } from './helpers'
import { relayDoc } from './hand-socket'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** `memory` for one relay at a time: closing the relay leaves it open, as a data directory outlives its process. */
const outliving = (memory: MemoryStore): RoomStore => ({
  load: room => memory.load(room),
  append: (room, update) => memory.append(room, update),
  compact: room => memory.compact(room),
  readRecords: prefix => memory.readRecords(prefix),
  writeRecords: records => memory.writeRecords(records),
  close: async () => {}
})

/**
 * Sends one raw update into `room` as `identity` (a device holding an older copy, or a forger)
 * and resolves with the refusal the relay answers, or null once the relay holds the update.
 */
const sendRaw = async (relay: Relay, identity: Identity, room: string, update: Uint8Array, client: number): Promise<string | null> => {
  const socket = await authenticatedSocket(relay.wsUrl, MUX_PATH, identity)
  fixture.defer(() => socket.terminate())
  let refusal: string | null = null
  let joined = false
  socket.on('message', (data: Buffer) => {
    const frame = readMuxRefusal(data)
    if (frame.room !== room) return
    joined = true
    if (frame.refusal !== null) refusal = frame.refusal
  })
  await new Promise(resolve => socket.once('open', resolve))
  socket.send(encodeMuxFrame({ kind: 'join', room }))
  await waitFor('the relay to answer the join', () => joined)
  socket.send(encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => {
    encoding.writeVarUint(encoder, syncProtocol.messageYjsUpdate)
    encoding.writeVarUint8Array(encoder, update)
  }) }))
  return waitFor('the relay to keep or refuse the update', async () =>
    refusal ?? ((await relayDoc(relay, room)).store.clients.has(client) ? 'kept' : null)
  ).then(outcome => outcome === 'kept' ? null : outcome)
}

/** From an old copy of the index room, a device rewriting Ada's activity entry: its item's origin is a value the relay has since collected. */
const staleActivityWrite = (oldIndex: Uint8Array, user_id: string): { update: Uint8Array; client: number } => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, oldIndex)
  const before = Y.encodeStateVector(doc)
  conversationActivity(doc).set(user_id, conversationActivity(doc).get(user_id))
  return { update: Y.encodeStateAsUpdate(doc, before), client: doc.clientID }
}

describe('compaction and write judging', () => {
  it('after a compaction and a restart, honest writes, edits, deletions and stale devices pass, forgeries are refused, and a new device gets everything', async () => {
    const memory = new MemoryStore()
    const first = await fixture.relay({ store: outliving(memory) })
    const ada = await fixture.client(first, 'Ada', { storagePrefix: 'ada-device/' })
    const bob = await createIdentity()
    const ref = directConversation(ada.me.user_id, bob.user_id)
    const indexRoom = conversationRoom(ref)
    const bucket = bucketRoom(ref, 0)
    const conversation = await ada.openDirect(bob.user_id)
    await sendConfirmed(conversation, ['m0', 'm1', 'm2', 'm3', 'm4'])
    const oldIndex = Y.encodeStateAsUpdate(await relayDoc(first, indexRoom))
    const later = await sendConfirmed(conversation, Array.from({ length: 15 }, (_, i) => `m${i + 5}`))
    await conversation.edit(later[0]!.message_id, 'm5 edited')
    await conversation.delete(later[1]!.message_id)
    await waitFor('the relay to confirm the edit and the deletion', () => later.slice(0, 2).every(message => !conversation.isPending(message.message_id)))
    const appended = memory.storedBytes(room => room === indexRoom)
    await ada.close()
    await first.close()

    // Closing compacted the rooms: of 22 activity entries (over 200 bytes each), one is left.
    const compacted = memory.storedBytes(room => room === indexRoom)
    expect(appended).toBeGreaterThan(20 * 200)
    expect(compacted).toBeLessThan(1000)

    const second = await fixture.relay({ store: outliving(memory) })
    const adaAgain = await fixture.client(second, 'Ada', { identity: ada.me, storagePrefix: 'ada-device/' })
    const reopened = await adaAgain.openDirect(bob.user_id)
    const [first5] = (await reopened.history({ limit: 100 })).messages.slice(-1)
    await sendConfirmed(reopened, ['after the compaction'])
    await reopened.edit(first5!.message_id, 'm0 edited')
    await waitFor('the relay to confirm the edit', () => !reopened.isPending(first5!.message_id))
    expect(adaAgain.lastRejection).toBeNull()

    // A device of Ada's that last saw the index before most of her sends: its write builds on a collected value.
    const stale = staleActivityWrite(oldIndex, ada.me.user_id)
    const origin = (Y.decodeUpdate(stale.update).structs[0] as Y.Item).origin!
    const storedAtOrigin = Y.decodeUpdate(Y.mergeUpdates([...await memory.load(indexRoom)])).structs
      .find(struct => struct.id.client === origin.client && struct.id.clock <= origin.clock && origin.clock < struct.id.clock + struct.length)
    expect((storedAtOrigin as Y.Item).content).toBeInstanceOf(Y.ContentDeleted)
    expect(await sendRaw(second, ada.me, indexRoom, stale.update, stale.client)).toBeNull()
    // The same write by Bob, and Bob rewriting one of Ada's messages, are refused.
    const forged = staleActivityWrite(oldIndex, ada.me.user_id)
    expect(await sendRaw(second, bob, indexRoom, forged.update, forged.client)).toBe('rejected-update:not-yours')
    const bucketCopy = await relayDoc(second, bucket)
    const before = Y.encodeStateVector(bucketCopy)
    const target = bucketMessages(bucketCopy).get(later[2]!.message_id) as Message
    bucketMessages(bucketCopy).set(target.message_id, { ...target, content: 'Bob was here' })
    expect(await sendRaw(second, bob, bucket, Y.encodeStateAsUpdate(bucketCopy, before), bucketCopy.clientID)).toBe('rejected-update:not-yours')

    // Bob, on a new device, gets the whole conversation as Ada sees it.
    const bobClient = await fixture.client(second, 'Bob', { identity: bob })
    const bobSide = await bobClient.openDirect(ada.me.user_id)
    const expected = await contents(reopened)
    expect(expected).toHaveLength(21)
    expect(expected).toEqual(expect.arrayContaining(['m0 edited', 'm5 edited', 'after the compaction']))
    expect(expected).not.toContain('m6')
    await waitFor('Bob has the whole conversation', async () => (await contents(bobSide)).join() === expected.join())
  })
})
