// A failing store is reported (log, /healthz), nothing unwritten is forwarded, and nothing is lost once it recovers.
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../relay/storage/memory-store'
import { StorageError, type RoomStore } from '../relay/storage/store'
import { createIdentity } from '../shared/identity'
import { conversationRoom, directConversation } from '../shared/protocol'
import { Fixture, contents, waitFor } from './helpers'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

/** A memory store whose appends fail while `failing` is set. */
const flakyStore = () => {
  const memory = new MemoryStore()
  const store: RoomStore & { failing: boolean } = {
    failing: false,
    load: room => memory.load(room),
    append: async (room, update) => {
      if (store.failing) throw new StorageError('write-failed', 'disk full (simulated)')
      await memory.append(room, update)
    },
    compact: room => memory.compact(room),
    close: () => memory.close()
  }
  return store
}

describe('storage failure', () => {
  it('is reported, forwards nothing unwritten, and delivers everything once writes work again', async () => {
    const store = flakyStore()
    const relay = await fixture.relay({ store })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    const before = await adaSide.send('before the failure')
    await waitFor('delivered', async () => (await contents(bobSide)).length === 1 && !adaSide.isPending(before.message_id))

    store.failing = true
    const during = await adaSide.send('during the failure')
    await waitFor('the relay logs the failure', () => relay.log.some(line => line.includes('storage-write-failed')))
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'storage-failing', storage: { ok: false, lastError: { message: /disk full/ } } })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(adaSide.isPending(during.message_id)).toBe(true)
    expect(await contents(bobSide)).toEqual(['before the failure'])

    store.failing = false
    await waitFor('delivered after recovery', async () => (await contents(bobSide)).join() === 'before the failure,during the failure', 8000)
    await waitFor('confirmed after recovery', () => !adaSide.isPending(during.message_id))
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
  })

  it('reports a room whose stored updates cannot be read', async () => {
    const [adaIdentity, bobIdentity] = await Promise.all([createIdentity(), createIdentity()])
    const room = conversationRoom(directConversation(adaIdentity.user_id, bobIdentity.user_id))
    const relay = await fixture.relay({ store: new MemoryStore(new Map([[room, Uint8Array.of(1, 200, 200, 200)]])) })
    const ada = await fixture.client(relay, 'Ada', { identity: adaIdentity })
    await ada.openDirect(bobIdentity.user_id)
    await waitFor('the relay logs the unreadable room', () => relay.log.some(line => line.includes('room-unreadable') && line.includes(room)))
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'storage-failing', storage: { ok: false, lastError: { message: expect.stringContaining(room) } } })
  })
})
