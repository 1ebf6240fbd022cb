// The client benchmarks' relay instruments: the counting store keeps MemoryStore's semantics, and wire bytes include WebSocket headers.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { collectedState } from '../../relay/storage/compaction'
import { runRoomStoreConformance } from '../../relay/storage/conformance'
import { CountingStore, clientFrameHeader } from './client-relay'

runRoomStoreConformance('CountingStore (bench)', { open: async () => new CountingStore() })

describe('CountingStore', () => {
  it('counts what is appended and what compaction writes', async () => {
    const store = new CountingStore()
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => { updates.push(update) })
    doc.getMap('m').set('a', 'x'.repeat(100))
    doc.getMap('m').set('a', 'y'.repeat(100))
    for (const update of updates) await store.append('room', update)
    const appended = updates[0]!.byteLength + updates[1]!.byteLength
    expect(store.written).toBe(appended)
    expect(store.bytes()).toBe(appended)
    await store.compact('room')
    // The overwritten value is dead: compaction writes the room's collected state.
    const merged = (await collectedState('room', updates)).byteLength
    expect(store.bytes()).toBe(merged)
    expect(store.written).toBe(appended + merged)
  })

  it('sizes client frame headers as RFC 6455 does (masked)', () => {
    expect(clientFrameHeader(125)).toBe(6)
    expect(clientFrameHeader(126)).toBe(8)
    expect(clientFrameHeader(65_536)).toBe(14)
  })
})
