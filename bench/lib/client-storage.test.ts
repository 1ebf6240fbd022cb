// The client benchmarks' storage instruments: seeding as y-indexeddb stores, knowing when writes are committed, counting bytes.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import { WatchedIndexeddbStorage, countIndexeddbWrites, databasesUnder, deleteDatabases, seedIndexeddb, seededMemoryStorage, storedBytes } from './client-storage'

const updateOf = (entries: Record<string, string>): Uint8Array => {
  const doc = new Y.Doc()
  doc.transact(() => { for (const [key, value] of Object.entries(entries)) doc.getMap('m').set(key, value) })
  return Y.encodeStateAsUpdate(doc)
}

describe('client benchmark storage', () => {
  it('seeds databases that y-indexeddb loads as the stored document', async () => {
    const update = updateOf({ a: 'one', b: 'two' })
    await seedIndexeddb('storage-test/seed/', new Map([['room', update]]))
    const doc = new Y.Doc()
    const persistence = new IndexeddbPersistence('storage-test/seed/room', doc)
    await persistence.whenSynced
    expect(doc.getMap('m').toJSON()).toEqual({ a: 'one', b: 'two' })
    await persistence.destroy()
    // One seeded entry, plus the empty state y-indexeddb adds on every open.
    expect(await storedBytes('storage-test/seed/')).toEqual({ bytes: update.byteLength + 2, entries: 2 })
    await deleteDatabases('storage-test/seed/')
    expect(await databasesUnder('storage-test/seed/')).toEqual([])
  })

  it('resolves committed() once a write is in the store, re-read by count', async () => {
    const storage = new WatchedIndexeddbStorage('storage-test/commit/')
    const doc = new Y.Doc()
    const local = storage.persist('room', doc)
    await local.loaded
    const [before] = await storage.committed()
    doc.getMap('m').set('k', 'v')
    const [after] = await storage.committed()
    expect(after).toBe(before! + 1)
    await local.destroy()
    await deleteDatabases('storage-test/commit/')
  })

  it('counts the bytes y-indexeddb writes under a prefix, and nothing once stopped', async () => {
    const storage = new WatchedIndexeddbStorage('storage-test/count/')
    const doc = new Y.Doc()
    const local = storage.persist('room', doc)
    await local.loaded
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => { updates.push(update) })
    const writes = countIndexeddbWrites('storage-test/count/')
    doc.getMap('m').set('k', 'a value')
    doc.getMap('m').set('l', 'another value')
    await storage.committed()
    writes.stop()
    doc.getMap('m').set('m', 'not counted')
    await storage.committed()
    expect(writes.writes).toBe(2)
    expect(writes.bytes).toBe(updates[0]!.byteLength + updates[1]!.byteLength)
    await local.destroy()
    await deleteDatabases('storage-test/count/')
  })

  it('starts memory storage from a seed, room by room', async () => {
    const storage = seededMemoryStorage(new Map([['room', updateOf({ a: 'one' })]]))
    const seeded = new Y.Doc()
    const empty = new Y.Doc()
    await storage.persist('room', seeded).loaded
    await storage.persist('other', empty).loaded
    expect(seeded.getMap('m').toJSON()).toEqual({ a: 'one' })
    expect(empty.getMap('m').size).toBe(0)
  })
})
