// The conformance suite every RoomStore implementation runs (like automerge-repo's storage adapter tests).
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { RoomStore } from './store'

export interface StoreSetup {
  /** A fresh, empty store. */
  open(): Promise<RoomStore>
  /** Closes `store` and opens the same data again; absent for stores that keep nothing. */
  reopen?(store: RoomStore): Promise<RoomStore>
}

const updateSetting = (key: string, value: unknown, doc = new Y.Doc()): Uint8Array => {
  let update: Uint8Array = new Uint8Array()
  doc.once('update', (u: Uint8Array) => { update = u })
  doc.getMap('m').set(key, value)
  return update
}

/** An update adding `k<i>` and overwriting `last` with a long value: the old one becomes dead weight. */
const updateOverwriting = (i: number, doc: Y.Doc): Uint8Array => {
  let update: Uint8Array = new Uint8Array()
  doc.once('update', (u: Uint8Array) => { update = u })
  doc.transact(() => {
    doc.getMap('m').set(`k${i}`, i)
    doc.getMap('m').set('last', `${i} `.padEnd(300, '.'))
  })
  return update
}

const contents = (updates: readonly Uint8Array[]): Record<string, unknown> => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getMap('m').toJSON()
}

const bytesOf = (updates: readonly Uint8Array[]): number => updates.reduce((sum, update) => sum + update.byteLength, 0)

export const runRoomStoreConformance = (name: string, setup: StoreSetup): void => {
  describe(`RoomStore conformance: ${name}`, () => {
    let store: RoomStore | null = null
    afterEach(async () => {
      await store?.close()
      store = null
    })

    it('loads nothing for a room it never stored', async () => {
      store = await setup.open()
      expect(await store.load('nothing/here')).toEqual([])
    })

    it('returns every appended update', async () => {
      store = await setup.open()
      const doc = new Y.Doc()
      for (let i = 0; i < 20; i++) await store.append('room', updateSetting(`k${i}`, i, doc))
      // As they were appended: the relay applies them once, into the room's own document.
      expect(await store.load('room')).toHaveLength(20)
      const stored = contents(await store.load('room'))
      expect(Object.keys(stored)).toHaveLength(20)
      expect(stored.k19).toBe(19)
    })

    it('keeps rooms apart, including rooms whose names are prefixes of each other', async () => {
      store = await setup.open()
      await store.append('dm/a', updateSetting('x', 1))
      await store.append('dm/a/0', updateSetting('y', 2))
      await store.append('dm/ab', updateSetting('z', 3))
      expect(contents(await store.load('dm/a'))).toEqual({ x: 1 })
      expect(contents(await store.load('dm/a/0'))).toEqual({ y: 2 })
      expect(contents(await store.load('dm/ab'))).toEqual({ z: 3 })
    })

    it('keeps concurrent appends, none overwriting another', async () => {
      store = await setup.open()
      const docs = Array.from({ length: 10 }, () => new Y.Doc())
      await Promise.all(docs.map((doc, i) => store!.append('room', updateSetting(`writer${i}`, i, doc))))
      expect(Object.keys(contents(await store.load('room')))).toHaveLength(10)
    })

    it('compacts without losing content, and keeps updates appended during compaction', async () => {
      store = await setup.open()
      const doc = new Y.Doc()
      for (let i = 0; i < 10; i++) await store.append('room', updateOverwriting(i, doc))
      const late = store.append('room', updateSetting('late', true, doc))
      await Promise.all([store.compact('room'), late, store.append('room', updateSetting('later', true, doc))])
      const stored = contents(await store.load('room'))
      expect(Object.keys(stored)).toHaveLength(13)
      expect(stored.last).toMatch(/^9 /)
      await store.compact('room')
      expect(contents(await store.load('room'))).toEqual(stored)
    })

    it('compacts to the live state: values overwritten or deleted are not kept', async () => {
      store = await setup.open()
      const doc = new Y.Doc()
      for (let i = 0; i < 50; i++) await store.append('room', updateOverwriting(i, doc))
      await store.append('room', updateSetting('gone', 'x'.repeat(300), doc))
      const deletion = new Y.Doc()
      Y.applyUpdate(deletion, Y.encodeStateAsUpdate(doc))
      deletion.once('update', (update: Uint8Array) => { void store!.append('room', update) })
      deletion.getMap('m').delete('gone')
      await store.compact('room')
      const compacted = await store.load('room')
      expect(contents(compacted)).toMatchObject({ k0: 0, k49: 49, last: expect.stringMatching(/^49 /) })
      expect(contents(compacted).gone).toBeUndefined()
      // One live value of 300 bytes, 50 small ones and where the dead ones were (~20 bytes each): not 51 × 300.
      expect(bytesOf(compacted)).toBeLessThan(2500)
    })

    it('stores a room\'s state once when two compactions of it overlap', async () => {
      store = await setup.open()
      const doc = new Y.Doc()
      for (let i = 0; i < 50; i++) await store.append('room', updateOverwriting(i, doc))
      await Promise.all([store.compact('room'), store.compact('room')])
      expect(await store.load('room')).toHaveLength(1)
      expect(contents(await store.load('room'))).toEqual(doc.getMap('m').toJSON())
    })

    it('compacting an empty or unknown room is harmless', async () => {
      store = await setup.open()
      await store.compact('unknown')
      expect(await store.load('unknown')).toEqual([])
    })

    it('keeps records apart from rooms: replaced whole, deleted, read by prefix', async () => {
      store = await setup.open()
      const bytes = (text: string) => new TextEncoder().encode(text)
      await store.append('usage/ada', updateSetting('k', 1))
      await store.writeRecords(new Map([['usage/ada', bytes('1')], ['usage/bob', bytes('2')], ['usage-other', bytes('3')]]))
      await store.writeRecords(new Map([['usage/ada', bytes('10')], ['usage/bob', null]]))
      const records = await store.readRecords('usage/')
      expect([...records.keys()]).toEqual(['usage/ada'])
      expect(new TextDecoder().decode(records.get('usage/ada'))).toBe('10')
      // A room of the same name is another thing.
      expect(await store.load('usage/ada')).toHaveLength(1)
      expect((await store.readRecords('')).size).toBe(2)
    })

    if (setup.reopen) {
      it('keeps records across a reopen', async () => {
        store = await setup.open()
        await store.writeRecords(new Map([['usage/ada', Uint8Array.of(7)]]))
        store = await setup.reopen!(store)
        expect([...(await store.readRecords('usage/')).entries()].map(([key, value]) => [key, [...value]])).toEqual([['usage/ada', [7]]])
      })

      it('keeps everything across a reopen', async () => {
        store = await setup.open()
        const doc = new Y.Doc()
        for (let i = 0; i < 5; i++) await store.append('room', updateOverwriting(i, doc))
        await store.compact('room')
        await store.append('room', updateSetting('after', 'compaction', doc))
        store = await setup.reopen!(store)
        expect(contents(await store.load('room'))).toMatchObject({ k0: 0, k4: 4, last: expect.stringMatching(/^4 /), after: 'compaction' })
        // Appends after reopening continue the sequence instead of overwriting it.
        await store.append('room', updateSetting('reopened', true, doc))
        expect(Object.keys(contents(await store.load('room')))).toHaveLength(8)
        await store.compact('room')
        expect(Object.keys(contents(await store.load('room')))).toHaveLength(8)
      })
    }

    it('refuses work after close', async () => {
      const closing = await setup.open()
      await closing.close()
      await expect(closing.append('room', updateSetting('k', 1))).rejects.toThrow()
    })
  })
}
