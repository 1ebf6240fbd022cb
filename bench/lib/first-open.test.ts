// The first-open benchmark's pieces: a new device's sidebar completes against a seeded v2 relay, and v1's directory arrives whole.
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { profileRoom } from '../../shared/protocol'
import { CountingStore, benchRelay } from './client-relay'
import { deleteDatabases } from './client-storage'
import { openingWorld, v1Directory, v2StoreSeed } from './directory-seed'
import { downloadV1Directory, openSidebar } from './first-open-client'
import { startV1DirectoryServer } from './v1-directory-server'

afterAll(() => deleteDatabases('first-open-test/'))

describe('first open', () => {
  it('a new device of the opening person sees every contact, group and conversation, having received only their rooms', async () => {
    const world = await openingWorld()
    const seed = v2StoreSeed(world, 500, 100)
    expect(seed.rooms.has(profileRoom(world.me.user_id))).toBe(true)
    expect(seed.records.size).toBe(500)
    const store = new CountingStore(seed.rooms)
    await store.writeRecords(seed.records)
    const relay = await benchRelay(store)
    try {
      const { opening, client } = await openSidebar({
        url: relay.wsUrl, identity: world.me, storage: indexeddbStorage({ prefix: 'first-open-test/a/' }),
        WebSocket: WebSocket as never, expected: world.expected, timeoutMs: 15_000
      })
      await client.close()
      expect(opening).toMatchObject({ users: 56, groups: 5, conversations: 25 })
      // Nobody else's profile: 56 profile rooms of a few hundred bytes, and no group but one's own.
      expect(opening.received.byRoomKind.profile).toBeLessThan(56 * 600)
      expect(opening.received.bytes).toBeLessThan(100_000)
      expect(opening.received.bytes).toBe(Object.values(opening.received.byRoomKind).reduce((sum, bytes) => sum + bytes, 0))
    } finally {
      await relay.close()
    }
  })

  it("v1's directory of the same relay arrives in one frame, every profile and group in it", async () => {
    const world = await openingWorld()
    const server = await startV1DirectoryServer(v1Directory(world, 500, 100))
    try {
      const { download, doc } = await downloadV1Directory(server.url, WebSocket as never, 10_000)
      expect(download).toMatchObject({ users: 500, groups: 100 })
      expect(download.received.frames).toBe(1)
      expect(download.received.bytes).toBeGreaterThan(500 * 200)
      doc.destroy()
    } finally {
      await server.close()
    }
  })
})
