// The conformance suite every local Storage runs (like relay/storage/conformance.ts for the relay's stores).
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LocalCopyError, type LocalCopy, type Storage } from '../transport'

export interface LocalStorageSetup {
  /** A storage over fresh, empty data. */
  open(): Promise<Storage>
  /**
   * The same data opened again, as after a reload (every copy made so far has been destroyed);
   * absent for storages that keep nothing beyond the life of a doc.
   */
  reopen?(): Promise<Storage>
  /**
   * Whether two copies of one room may be open at once (two tabs of the app) and both keep
   * what they write. A storage that does not claim it is not tested for it.
   */
  concurrentCopies?: boolean
  /** Stores bytes that are not a Yjs update among a room's stored updates, as a damaged disk would. */
  corrupt?(room: string): Promise<void>
}

/** The storage's interface has no deletion or clearing: a room's copy is kept until its data goes. */
export const runLocalStorageConformance = (name: string, setup: LocalStorageSetup): void => {
  describe(`Storage conformance: ${name}`, () => {
    const open: Array<{ copy: LocalCopy }> = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map(({ copy }) => copy.destroy().catch(() => {})))
    })

    /** Opens a room into a new doc and waits for what is stored; destroyed after the test unless closed first. */
    const persist = async (storage: Storage, room: string, doc = new Y.Doc()): Promise<Y.Doc> => {
      const copy = storage.persist(room, doc)
      open.push({ copy })
      await copy.loaded
      return doc
    }
    /** Destroys every copy still open: what a reload or closing the app does. */
    const closeAll = () => Promise.all(open.splice(0).map(({ copy }) => copy.destroy()))
    const reopen = async (): Promise<Storage> => {
      await closeAll()
      return setup.reopen!()
    }
    const entries = (doc: Y.Doc): Record<string, unknown> => doc.getMap('m').toJSON()

    it('loads nothing for a room it never stored', async () => {
      const doc = await persist(await setup.open(), 'nothing/here')
      expect(entries(doc)).toEqual({})
      expect(Y.encodeStateVector(doc)).toEqual(Uint8Array.of(0))
    })

    it('can be destroyed before it has loaded', async () => {
      const storage = await setup.open()
      const copy = storage.persist('room', new Y.Doc())
      await copy.destroy()
      await copy.loaded.catch(() => {})
      if (!setup.reopen) return
      const doc = await persist(await reopen(), 'room')
      expect(entries(doc)).toEqual({})
    })

    if (setup.reopen) {
      it('keeps what was written across a reopen, and goes on from there', async () => {
        const storage = await setup.open()
        const doc = await persist(storage, 'room')
        for (let i = 0; i < 20; i++) doc.getMap('m').set(`k${i}`, i)
        doc.getMap('m').delete('k0')
        const again = await persist(await reopen(), 'room')
        expect(entries(again)).toEqual(entries(doc))
        again.getMap('m').set('after', 'reopen')
        const third = await persist(await reopen(), 'room')
        expect(entries(third)).toMatchObject({ k19: 19, after: 'reopen' })
        expect(entries(third).k0).toBeUndefined()
      })

      it('keeps rooms apart, including rooms whose names are prefixes of each other', async () => {
        const storage = await setup.open()
        const names = ['dm/a', 'dm/a/0', 'dm/ab', 'local/outbox']
        for (const [i, room] of names.entries()) (await persist(storage, room)).getMap('m').set('only', i)
        const again = await reopen()
        for (const [i, room] of names.entries()) expect(entries(await persist(again, room))).toEqual({ only: i })
      })

      it('keeps updates that arrived in any order, once those they build on are in', async () => {
        // Several writers, their updates applied out of order: Yjs holds the early ones back until
        // what they build on arrives; the storage must end up with all of them.
        const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
        const updates: Uint8Array[] = []
        for (const [w, writer] of writers.entries()) {
          writer.on('update', (update: Uint8Array) => updates.push(update))
          for (let i = 0; i < 10; i++) writer.getMap('m').set(`w${w}-${i}`, i)
        }
        const expected = new Y.Doc()
        for (const update of updates) Y.applyUpdate(expected, update)
        const doc = await persist(await setup.open(), 'room')
        for (const update of [...updates].reverse()) Y.applyUpdate(doc, update)
        expect(entries(doc)).toEqual(entries(expected))
        const again = await persist(await reopen(), 'room')
        expect(entries(again)).toEqual(entries(expected))
        expect(Y.encodeStateVector(again)).toEqual(Y.encodeStateVector(expected))
      })

      it('keeps what the doc held before it was opened and what was written while it loaded', async () => {
        const storage = await setup.open()
        const stored = await persist(storage, 'room')
        stored.getMap('m').set('stored', true)
        const next = await reopen()
        const doc = new Y.Doc()
        doc.getMap('m').set('before', true)
        const copy = next.persist('room', doc)
        open.push({ copy })
        doc.getMap('m').set('while-loading', true)
        await copy.loaded
        expect(entries(doc)).toEqual({ stored: true, before: true, 'while-loading': true })
        expect(entries(await persist(await reopen(), 'room'))).toEqual({ stored: true, before: true, 'while-loading': true })
      })

      it('keeps every write made up to its destruction, through a history long enough to be compacted', async () => {
        const doc = await persist(await setup.open(), 'room')
        // y-indexeddb compacts after 500 stored updates; the file storage when a room closes.
        for (let i = 0; i < 600; i++) doc.getMap('m').set(`k${i % 50}`, i)
        const again = await persist(await reopen(), 'room')
        expect(entries(again)).toEqual(entries(doc))
        expect(entries(again).k49).toBe(599)
      })
    }

    if (setup.reopen && setup.concurrentCopies) {
      it('keeps what two copies of one room open at once (two tabs) each wrote', async () => {
        const storage = await setup.open()
        const [first, second] = await Promise.all([persist(storage, 'room'), persist(storage, 'room')])
        for (let i = 0; i < 30; i++) {
          first.getMap('m').set(`first${i}`, i)
          second.getMap('m').set(`second${i}`, i)
        }
        const again = await persist(await reopen(), 'room')
        expect(Object.keys(entries(again))).toHaveLength(60)
      })
    }

    if (setup.reopen && setup.corrupt) {
      it('refuses a room holding bytes that are not an update with a clear error, and loses nothing else', async () => {
        const storage = await setup.open()
        ;(await persist(storage, 'room')).getMap('m').set('kept', true)
        ;(await persist(storage, 'other')).getMap('m').set('other', true)
        await closeAll()
        await setup.corrupt!('room')
        const again = await setup.reopen!()
        const failing = again.persist('room', new Y.Doc())
        open.push({ copy: failing })
        const error = await failing.loaded.then(() => null, (error: unknown) => error)
        expect(error).toBeInstanceOf(LocalCopyError)
        expect(error).toMatchObject({ reason: 'unreadable', room: 'room' })
        expect(String(error)).toMatch(/room/)
        // The other room is untouched, and the damaged one was not overwritten: it fails the same way.
        expect(entries(await persist(again, 'other'))).toEqual({ other: true })
        const later = (await reopen()).persist('room', new Y.Doc())
        open.push({ copy: later })
        await expect(later.loaded).rejects.toBeInstanceOf(LocalCopyError)
      })
    }
  })
}
