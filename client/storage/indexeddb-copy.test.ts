import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as idb from 'lib0/indexeddb'
import { IndexeddbPersistence } from 'y-indexeddb'
import { IndexeddbCopy } from './indexeddb-copy'
import { STORAGE_ORIGIN } from '../../shared/origin'

let counter = 0
const names: string[] = []
const freshName = () => {
  const name = `indexeddb-copy-test/${counter++}`
  names.push(name)
  return name
}
afterEach(async () => {
  for (const name of names.splice(0)) await idb.deleteDB(name)
})

/** The stored updates of a database, as y-indexeddb's `updates` store holds them. */
const stored = async (name: string): Promise<Uint8Array[]> => {
  const db = await idb.openDB(name, () => {})
  const [updates] = idb.transact(db, ['updates'], 'readonly')
  const values = await idb.getAll(updates!) as Uint8Array[]
  db.close()
  return values
}
const bytes = (updates: Uint8Array[]) => updates.reduce((sum, update) => sum + update.byteLength, 0)
const value = (i: number) => `${i} `.padEnd(300, '.')
const settle = () => new Promise(resolve => setTimeout(resolve, 50))

/** Opens `name` into a new doc, waits for it, and returns both. */
const open = async (name: string) => {
  const doc = new Y.Doc()
  const copy = new IndexeddbCopy(name, doc, 0)
  await copy.loaded
  return { doc, copy }
}

describe('IndexeddbCopy', () => {
  it('loads what y-indexeddb stored, and y-indexeddb loads what it stores', async () => {
    const name = freshName()
    const theirs = new Y.Doc()
    const persistence = new IndexeddbPersistence(name, theirs)
    await persistence.whenSynced
    theirs.getMap('m').set('from', 'y-indexeddb')
    await settle()
    await persistence.destroy()
    const { doc, copy } = await open(name)
    expect(doc.getMap('m').toJSON()).toEqual({ from: 'y-indexeddb' })
    doc.getMap('m').set('and', 'parley')
    await settle()
    await copy.destroy()
    const again = new Y.Doc()
    const reader = new IndexeddbPersistence(name, again)
    await reader.whenSynced
    expect(again.getMap('m').toJSON()).toEqual({ from: 'y-indexeddb', and: 'parley' })
    await reader.destroy()
  })

  it('appends the updates of a document that only grows, and never rewrites them (y-indexeddb does every 500)', async () => {
    const name = freshName()
    const { doc, copy } = await open(name)
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => { updates.push(update) })
    for (let i = 0; i < 600; i++) {
      doc.getMap('messages').set(`message${i}`, value(i))
      if (i % 100 === 99) await settle()
    }
    await settle()
    await copy.destroy()
    expect(await stored(name)).toHaveLength(600)
    expect(bytes(await stored(name))).toBe(bytes(updates))
  })

  it('rewrites a document once its overwritten values pass the allowance, keeping its content', async () => {
    const name = freshName()
    const { doc, copy } = await open(name)
    for (let i = 0; i < 200; i++) {
      doc.getMap('activity').set('me', value(i))
      doc.getMap('messages').set(`message${i}`, i)
      if (i % 20 === 19) await settle()
    }
    await settle()
    await copy.destroy()
    // 200 values of 300 bytes were written; at most the allowance's worth of dead ones remain.
    expect(bytes(await stored(name))).toBeLessThan(20_000)
    const reopened = await open(name)
    expect(reopened.doc.getMap('activity').get('me')).toBe(value(199))
    expect(reopened.doc.getMap('messages').size).toBe(200)
    await reopened.copy.destroy()
  })

  it('adds nothing when an empty document is opened and closed (y-indexeddb adds its empty state each time)', async () => {
    const name = freshName()
    const first = await open(name)
    first.doc.getMap('m').set('k', 'v')
    await settle()
    await first.copy.destroy()
    const before = await stored(name)
    for (let i = 0; i < 3; i++) await (await open(name)).copy.destroy()
    expect(await stored(name)).toEqual(before)
  })

  it('keeps what another tab wrote to the same database when it rewrites', async () => {
    const name = freshName()
    const mine = await open(name)
    const other = await open(name)
    other.doc.getMap('m').set('other tab', 'kept')
    await settle()
    for (let i = 0; i < 200; i++) {
      mine.doc.getMap('m').set('mine', value(i))
      if (i % 20 === 19) await settle()
    }
    await settle()
    await mine.copy.destroy()
    await other.copy.destroy()
    // 200 values of 300 bytes were written: rewritten meanwhile.
    expect(bytes(await stored(name))).toBeLessThan(20_000)
    const reopened = await open(name)
    expect(reopened.doc.getMap('m').toJSON()).toEqual({ 'other tab': 'kept', mine: value(199) })
    await reopened.copy.destroy()
  })

  it('loads what it stored without Yjs encoding it again for an update listener, and still hears writes after', async () => {
    const name = freshName()
    const first = await open(name)
    for (let i = 0; i < 50; i++) first.doc.getMap('messages').set(`message${i}`, value(i))
    await settle()
    await first.copy.destroy()
    const doc = new Y.Doc()
    // NOTE: Yjs encodes a transaction's update only when 'update' has listeners (lib0's
    // Observable drops the name with its last listener): a stored bucket would be encoded
    // again, ~400 KB, only to be dropped as STORAGE_ORIGIN.
    const listenedDuringLoad: boolean[] = []
    doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.origin === STORAGE_ORIGIN) listenedDuringLoad.push((doc as unknown as { _observers: Map<string, unknown> })._observers.has('update'))
    })
    const copy = new IndexeddbCopy(name, doc, 0)
    await copy.loaded
    expect(doc.getMap('messages').size).toBe(50)
    expect(listenedDuringLoad).toEqual([false])
    doc.getMap('messages').set('after', 'load')
    await settle()
    await copy.destroy()
    const reopened = await open(name)
    expect(reopened.doc.getMap('messages').get('after')).toBe('load')
    await reopened.copy.destroy()
  })

  it('stores what an observer writes while the stored updates are applied', async () => {
    const name = freshName()
    const first = await open(name)
    first.doc.getMap('m').set('stored', 1)
    await settle()
    await first.copy.destroy()
    const doc = new Y.Doc()
    const map = doc.getMap('m')
    map.observe(() => { if (!map.has('answer')) map.set('answer', 'written back') })
    const copy = new IndexeddbCopy(name, doc, 0)
    await copy.loaded
    await settle()
    await copy.destroy()
    const reopened = await open(name)
    expect(reopened.doc.getMap('m').toJSON()).toEqual({ stored: 1, answer: 'written back' })
    await reopened.copy.destroy()
  })
})
