import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { GARBAGE_ALLOWED, MAX_STORED_UPDATES } from '../../shared/compaction-policy'
import { Collector, collectedState, compactionOf, sliceEnd } from './compaction'
import { MemoryStore } from './memory-store'
import { StorageError } from './store'
import { recorded, value } from './test-updates'

const contents = (update: Uint8Array) => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc.getMap('m').toJSON()
}

describe('collectedState', () => {
  it('hands a large room to the worker in slices, and the state holds every slice', async () => {
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i < 2500; i++) map.set(`k${i}`, i) })
    const ends: number[] = []
    for (let start = 0; start < updates.length; start = ends.at(-1)!) ends.push(sliceEnd(updates, start))
    expect(ends).toEqual([1000, 2000, 2500])
    expect(contents(await collectedState('room', updates))).toEqual(contents(Y.mergeUpdates(updates)))
  })

  it('cuts slices by bytes too, one update at least', () => {
    const big = [new Uint8Array(200_000), new Uint8Array(200_000), new Uint8Array(300_000), new Uint8Array(10)]
    expect([sliceEnd(big, 0), sliceEnd(big, 1), sliceEnd(big, 2), sliceEnd(big, 3)]).toEqual([1, 2, 3, 4])
    expect(sliceEnd([], 0)).toBe(0)
  })

  it('calls a room corrupt when a later slice holds an unreadable update, and carries on with the next room', async () => {
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i < 1500; i++) map.set(`k${i}`, i) })
    updates.splice(1200, 0, Uint8Array.of(1, 200, 200, 200))
    await expect(collectedState('group/y/0', updates)).rejects.toMatchObject({ reason: 'corrupt', message: expect.stringContaining('group/y/0') })
    expect(contents(await collectedState('room', updates.slice(0, 1000)))).toEqual(contents(Y.mergeUpdates(updates.slice(0, 1000))))
  })

  it('holds what the updates hold, without the content of overwritten values', async () => {
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i < 100; i++) map.set('activity', value(i)) })
    const state = await collectedState('room', updates)
    expect(contents(state)).toEqual(contents(Y.mergeUpdates(updates)))
    expect(Y.mergeUpdates(updates).byteLength).toBeGreaterThan(100 * 300)
    expect(state.byteLength).toBeLessThan(400)
  })

  it('calls an update it cannot read a corrupt store, and carries on with the next room', async () => {
    const error = await collectedState('group/x/0', [Uint8Array.of(1, 200, 200, 200)]).catch(caught => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ reason: 'corrupt', message: expect.stringContaining('group/x/0') })
    const updates = recorded(new Y.Doc(), map => { map.set('a', 1) })
    expect(contents(await collectedState('room', updates))).toEqual({ a: 1 })
  })

  it('keeps an update whose dependencies are missing, as a merge would', async () => {
    const doc = new Y.Doc()
    const [first, second] = recorded(doc, map => { map.set('a', 1); map.set('b', 2) })
    const state = await collectedState('room', [second!])
    expect(contents(Y.mergeUpdates([first!, state]))).toEqual({ a: 1, b: 2 })
  })
})

describe('a stuck compaction worker', () => {
  it('fails the room it holds once the time is up, and the next compaction gets a new worker', async () => {
    // The fixture's first job never ends (the worker spins); another worker answers at once.
    const collector = new Collector({ workerUrl: new URL('./test-stuck-worker.mjs', import.meta.url), timeoutMs: 200 })
    const updates = recorded(new Y.Doc(), map => map.set('a', 1))
    await expect(collector.collect('group/stuck/0', updates)).rejects.toMatchObject({ reason: 'timeout', message: expect.stringContaining('group/stuck/0') })
    expect(await collector.collect('room', updates)).toEqual(Uint8Array.of(0, 0))
  })
})

describe('compactionOf', () => {
  it('leaves updates that hold nothing dead alone: rewriting them would cost a whole room for a few bytes', async () => {
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i < 200; i++) map.set(`message${i}`, value(i)) })
    expect(await compactionOf('room', updates)).toBeNull()
    expect(await compactionOf('room', [])).toBeNull()
  })

  it('rewrites once dead values pass the allowed share', async () => {
    const doc = new Y.Doc()
    const live = recorded(doc, map => { for (let i = 0; i < 100; i++) map.set(`message${i}`, value(i)) })
    const liveBytes = (await collectedState('room', live)).byteLength
    // Dead values of half the allowance, then as many again and a half: past it.
    const overwrites = Math.floor(liveBytes * GARBAGE_ALLOWED / 2 / 300)
    const under = recorded(doc, map => { for (let i = 0; i < overwrites; i++) map.set('message0', value(i)) })
    expect(await compactionOf('room', [...live, ...under])).toBeNull()
    const past = recorded(doc, map => { for (let i = 0; i < overwrites * 1.5; i++) map.set('message0', value(i)) })
    const compacted = await compactionOf('room', [...live, ...under, ...past])
    expect(compacted).not.toBeNull()
    expect(contents(compacted!)).toEqual(doc.getMap('m').toJSON())
  })

  it('rewrites a room of too many updates whatever they hold', async () => {
    const updates = recorded(new Y.Doc(), map => { for (let i = 0; i <= MAX_STORED_UPDATES; i++) map.set(`m${i}`, value(i)) })
    expect(await compactionOf('room', updates.slice(0, MAX_STORED_UPDATES))).toBeNull()
    expect(await compactionOf('room', updates)).not.toBeNull()
  })
})

describe('MemoryStore compaction', () => {
  it('keeps a room that only grew as it was appended, and rewrites one of overwritten values', async () => {
    const store = new MemoryStore()
    const messages = recorded(new Y.Doc(), map => { for (let i = 0; i < 50; i++) map.set(`message${i}`, value(i)) })
    const activity = recorded(new Y.Doc(), map => { for (let i = 0; i < 50; i++) map.set('activity', value(i)) })
    for (const update of messages) await store.append('bucket', update)
    for (const update of activity) await store.append('index', update)
    const appended = (room: string) => store.storedBytes(name => name === room)
    const bucketBefore = appended('bucket')
    await store.compact('bucket')
    await store.compact('index')
    expect(appended('bucket')).toBe(bucketBefore)
    expect(appended('index')).toBeLessThan(400)
  })
})
