import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runRoomStoreConformance } from './conformance'
import { LeveldbStore } from './leveldb-store'
import type { RoomStore } from './store'

const directories: string[] = []
const locations = new WeakMap<RoomStore, string>()

const openAt = async (directory: string) => {
  const store = await LeveldbStore.open(directory)
  locations.set(store, directory)
  return store
}

afterAll(async () => {
  await Promise.all(directories.map(directory => rm(directory, { recursive: true, force: true })))
})

runRoomStoreConformance('LeveldbStore', {
  open: async () => {
    const directory = await mkdtemp(join(tmpdir(), 'parley-leveldb-'))
    directories.push(directory)
    return openAt(directory)
  },
  reopen: async store => {
    await store.close()
    return openAt(locations.get(store)!)
  }
})

describe('LeveldbStore', () => {
  it('says clearly when the data directory cannot be opened', async () => {
    await expect(LeveldbStore.open('/etc/hostname/parley-data')).rejects.toThrow(/cannot open the data directory/)
  })
})
