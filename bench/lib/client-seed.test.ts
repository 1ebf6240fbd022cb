// The client benchmarks' seeds: Parley and the naive reader both find the newest page, genuine, where the benchmark looks for it.
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { BUCKET_CAPACITY, bucketRoom, profileRoom, userRoom } from '../../shared/protocol'
import { bucketMessages } from '../../shared/schema'
import { openNaiveLocal, openParleyLocal } from './client-open'
import { NAIVE_LIMIT, SIGNED_TAIL, chatSeed, dropSeeds, type Chat } from './client-seed'
import { deleteDatabases, seedIndexeddb } from './client-storage'
import { naiveLog, naiveNewest } from './client-naive'

afterAll(() => { dropSeeds() })

/** Each person's profile and own room. */
const peopleOf = ({ alice, bob }: Chat): string[] =>
  [profileRoom(alice.user_id), profileRoom(bob.user_id), userRoom(alice.user_id), userRoom(bob.user_id)]

describe('client benchmark seeds', () => {
  it('lay out a history in full buckets and an index, beside both profiles and own rooms, and the same log for the naive layout', async () => {
    const seed = await chatSeed(2_000)
    expect([...seed.rooms.keys()]).toEqual([...peopleOf(seed.chat), seed.chat.room, bucketRoom(seed.chat.ref, 0), bucketRoom(seed.chat.ref, 1)])
    const bucket = new Y.Doc()
    Y.applyUpdate(bucket, seed.rooms.get(bucketRoom(seed.chat.ref, 1))!)
    expect(bucketMessages(bucket).size).toBe(BUCKET_CAPACITY)
    expect(bucketMessages(bucket).get(seed.newest.message_id)).toEqual(seed.newest)
    const naive = new Y.Doc()
    Y.applyUpdate(naive, seed.naive!)
    expect(naiveLog(naive).length).toBe(2_000)
    expect(naiveLog(naive).get(1_999)).toEqual(seed.newest)
  })

  it('are read back by Parley and by the naive reader, newest first and verified', async () => {
    const seed = await chatSeed(2_000)
    await seedIndexeddb('seed-test/parley/', seed.rooms)
    await seedIndexeddb('seed-test/naive/', new Map([['log', seed.naive!]]))
    try {
      // Both check the page they got (50, newest first, none unverified) and throw otherwise.
      await expect(openParleyLocal(seed, 'seed-test/parley/')).resolves.toBeGreaterThan(0)
      await expect(openNaiveLocal(seed, 'seed-test/naive/log')).resolves.toBeGreaterThan(0)
    } finally {
      await deleteDatabases('seed-test/')
    }
  })

  it('sign only the newest messages, which are all a newest page or a head bucket needs', async () => {
    const seed = await chatSeed(2_000)
    const naive = new Y.Doc()
    Y.applyUpdate(naive, seed.naive!)
    const keys = seed.chat.keys
    // The naive reader drops what does not verify: the newest SIGNED_TAIL are genuine, older ones are not.
    expect(await naiveNewest(naive, SIGNED_TAIL, keys)).toHaveLength(SIGNED_TAIL)
    expect((await naiveNewest(naive, SIGNED_TAIL + 10, keys)).length).toBe(SIGNED_TAIL)
  })

  it('without the naive layout, keep the index of every bucket but only the newest bucket', async () => {
    const size = NAIVE_LIMIT * 10
    const seed = await chatSeed(size)
    const head = size / BUCKET_CAPACITY - 1
    expect([...seed.rooms.keys()]).toEqual([...peopleOf(seed.chat), seed.chat.room, bucketRoom(seed.chat.ref, head)])
    expect(seed.omittedBuckets).toBe(head)
    expect(seed.naive).toBeNull()
    await seedIndexeddb('seed-test/large/', seed.rooms)
    try {
      await expect(openParleyLocal(seed, 'seed-test/large/')).resolves.toBeGreaterThan(0)
    } finally {
      await deleteDatabases('seed-test/')
    }
  })

  it('leave the naive layout out when asked, at a size that would have it', async () => {
    const seed = await chatSeed(3_000, { naive: false })
    expect(seed.naive).toBeNull()
    expect(seed.omittedBuckets).toBe(2)
    expect((await chatSeed(3_000)).naive).not.toBeNull()
  })
})
