// A room's write-then-broadcast path: what its peers are sent, and how updates that arrive together go out.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { MessageType, encodeMessage, formatRefusal, type Refusal } from '../shared/protocol'
import { Room, type Peer } from './room'
import { MAX_NEW_CLIENTS_PER_USER, NEW_CLIENT_REFILL_MS } from './writes/judge-update'
import { MemoryStore } from './storage/memory-store'

const EVE = 'E'.repeat(22)
const ROOM = `user/${EVE}`

/** An update writing one read mark into Eve's own room, from a Yjs client of its own. */
const readMark = (index: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.getMap('reads').set(`dm/${'A'.repeat(22)}/${'B'.repeat(21)}${String.fromCharCode(65 + index)}`, { counts: {} })
  return Y.encodeStateAsUpdate(doc)
}

/** A peer that keeps the Yjs updates the room broadcasts to it, and the sync answers (step 2) it is sent. */
const listeningPeer = (): Peer & { updates: Uint8Array[]; answers: Uint8Array[] } => {
  const updates: Uint8Array[] = []
  const answers: Uint8Array[] = []
  return {
    updates,
    answers,
    user_id: EVE,
    awarenessClients: new Set(),
    revoke: () => {},
    send (message) {
      const decoder = decoding.createDecoder(message)
      if (decoding.readVarUint(decoder) !== MessageType.sync) return
      const step = decoding.readVarUint(decoder)
      if (step === syncProtocol.messageYjsUpdate) updates.push(decoding.readVarUint8Array(decoder))
      if (step === syncProtocol.messageYjsSyncStep2) answers.push(message)
    }
  }
}

const updateMessage = (update: Uint8Array): Uint8Array =>
  encodeMessage(MessageType.sync, encoder => syncProtocol.writeUpdate(encoder, update))

const syncStep1 = (stateVector: Uint8Array): Uint8Array =>
  encodeMessage(MessageType.sync, encoder => {
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1)
    encoding.writeVarUint8Array(encoder, stateVector)
  })

/** The update a sync step 2 message carries. */
const answerUpdate = (message: Uint8Array): Uint8Array => {
  const decoder = decoding.createDecoder(message)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
}

const rooms: Room[] = []
afterEach(() => { for (const room of rooms.splice(0)) room.destroy() })

const loadRoom = async (store = new MemoryStore(), onLoadSkipped?: (room: Room, what: string) => void): Promise<Room> => {
  const room = await Room.load(ROOM, {
    store,
    onStorageFailure: (_, error) => { throw error },
    onLoadSkipped,
    maxMessageLength: 4000,
    maxPendingUpdates: 64,
    awarenessPerRoom: 8,
    presenceTimeoutMs: 30_000,
    maxBytesPerUserPerRoom: 1 << 20,
    maxStructsPerUpdate: 10_000
  })
  rooms.push(room)
  return room
}

const readsOf = (update: Uint8Array): string[] => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return [...doc.getMap('reads').keys()].sort()
}

describe('Room broadcasts', () => {
  it('sends updates that arrive in the same turn of the event loop as one, written once', async () => {
    const store = new MemoryStore()
    const room = await loadRoom(store)
    const writer = listeningPeer()
    const reader = listeningPeer()
    room.join(writer)
    room.join(reader)
    const updates = [readMark(0), readMark(1), readMark(2)]
    for (const update of updates) room.receive(writer, updateMessage(update))
    await room.whenWritten()
    expect(reader.updates).toHaveLength(1)
    expect(readsOf(reader.updates[0]!)).toEqual(updates.flatMap(readsOf).sort())
    // The sender gets the same echo: it tells it the relay has kept its updates.
    expect(writer.updates).toEqual(reader.updates)
    expect(await store.load(ROOM)).toHaveLength(1)
    expect(readsOf(Y.mergeUpdates([...await store.load(ROOM)]))).toHaveLength(3)
  })

  it('sends an update of a later turn on its own', async () => {
    const room = await loadRoom()
    const reader = listeningPeer()
    room.join(reader)
    room.receive(reader, updateMessage(readMark(0)))
    await room.whenWritten()
    room.receive(reader, updateMessage(readMark(1)))
    await room.whenWritten()
    expect(reader.updates.map(readsOf)).toEqual([readsOf(readMark(0)), readsOf(readMark(1))])
  })
})

describe('Room sync answers', () => {
  it('answers peers that arrive holding the same state with one encoding, and a changed room anew', async () => {
    const room = await loadRoom()
    const writer = listeningPeer()
    room.join(writer)
    const marks = [readMark(0), readMark(1), readMark(2)]
    room.receive(writer, updateMessage(marks[0]!))
    room.receive(writer, updateMessage(marks[1]!))
    await room.whenWritten()
    // Up to date with the first read mark only, as every device that went offline then would be.
    const holder = new Y.Doc()
    Y.applyUpdate(holder, marks[0]!)
    const stateVector = Y.encodeStateVector(holder)
    const [a, b, c] = [listeningPeer(), listeningPeer(), listeningPeer()]
    for (const peer of [a, b]) {
      room.join(peer)
      room.receive(peer, syncStep1(stateVector))
    }
    expect(a.answers).toHaveLength(1)
    expect(b.answers[0]).toBe(a.answers[0])
    expect(readsOf(answerUpdate(a.answers[0]!))).toEqual(readsOf(marks[1]!))

    room.receive(writer, updateMessage(marks[2]!))
    await room.whenWritten()
    room.join(c)
    room.receive(c, syncStep1(stateVector))
    expect(readsOf(answerUpdate(c.answers[0]!))).toEqual([...readsOf(marks[1]!), ...readsOf(marks[2]!)].sort())
  })
})

describe('Room write judging', () => {
  it('lets a writer bring in new Yjs client ids again as time passes, after refusing one too many at once', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const room = await loadRoom()
      const refusals: string[] = []
      const writer = { ...listeningPeer(), refused: (refusal: Refusal) => { refusals.push(formatRefusal(refusal)) } }
      room.join(writer)
      // Every read mark comes from a Yjs client of its own, as a page loaded anew would.
      for (let i = 0; i < MAX_NEW_CLIENTS_PER_USER; i++) room.receive(writer, updateMessage(readMark(i)))
      expect(refusals).toEqual([])
      room.receive(writer, updateMessage(readMark(MAX_NEW_CLIENTS_PER_USER)))
      expect(refusals).toEqual([expect.stringContaining('too-many-client-ids')])

      vi.advanceTimersByTime(NEW_CLIENT_REFILL_MS)
      room.receive(writer, updateMessage(readMark(MAX_NEW_CLIENTS_PER_USER + 1)))
      expect(refusals).toHaveLength(1)
      await room.whenWritten()
      expect([...room.doc.getMap('reads').keys()]).toHaveLength(MAX_NEW_CLIENTS_PER_USER + 1)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('Room loading', () => {
  it('leaves out, and tells of, stored updates that build on ones missing from the store; a writer then fills the gap', async () => {
    // One Yjs client's three updates, of which the store lost the second.
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    for (const key of ['a', 'b', 'c']) doc.getMap('reads').set(`dm/${'A'.repeat(22)}/${'B'.repeat(21)}${key}`, { counts: {} })
    const store = new MemoryStore()
    await store.append(ROOM, updates[0]!)
    await store.append(ROOM, updates[2]!)
    const skipped: string[] = []
    const room = await loadRoom(store, (_, what) => skipped.push(what))
    expect(skipped).toEqual([`updates of 1 Yjs client(s) left out: updates they build on are missing (client ${doc.clientID} needs clock 1)`])
    expect(room.doc.store.pendingStructs).toBeNull()
    expect(room.doc.getMap('reads').size).toBe(1)

    // The writer's device, told the room's state, sends what it lacks; its next write is not refused.
    const writer = { ...listeningPeer(), refused: (refusal: Refusal) => { throw new Error(formatRefusal(refusal)) } }
    room.join(writer)
    room.receive(writer, updateMessage(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(room.doc))))
    await room.whenWritten()
    expect(room.doc.getMap('reads').size).toBe(3)
  })
})
