// History survives reconnects, relay restarts (graceful and SIGKILL) and clients joining as others leave.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createIdentity } from '../shared/identity'
import { bucketRoom, directConversation } from '../shared/protocol'
import { bucketMessages } from '../shared/schema'
import type { RoomStore } from '../relay/storage/store'
import { MemoryStore } from '../relay/storage/memory-store'
import { Fixture, contents, countAtFirstSync, sendConfirmed, waitFor } from './helpers'
import { spawnRelay } from './relay-process'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

const numbered = (count: number, prefix = 'm') => Array.from({ length: count }, (_, i) => `${prefix}${i}`)

describe('persistence', () => {
  it('a client that reconnects, on the same device or a new one, sees the full history', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const conversation = await ada.openDirect(bob.me.user_id)
    for (const text of numbered(20)) await conversation.send(text)
    const bobSide = await bob.openDirect(ada.me.user_id)
    await waitFor('Bob has all 20', async () => (await contents(bobSide)).length === 20)
    await bob.close()

    const sameDevice = await fixture.client(relay, 'Bob', { identity: bob.me, storagePrefix: 'bob-device/' })
    const newDevice = await fixture.client(relay, 'Bob', { identity: bob.me, storagePrefix: 'bob-new-device/' })
    for (const client of [sameDevice, newDevice]) {
      const reopened = await client.openDirect(ada.me.user_id)
      expect(await contents(reopened)).toEqual(numbered(20))
    }
  })

  it('a relay restart keeps all history, and the first client after it sees everything at its first sync', async () => {
    const dataDir = await fixture.tempDir()
    const first = await fixture.relay({ dataDir })
    const ada = await fixture.client(first, 'Ada')
    const bob = await fixture.client(first, 'Bob')
    const conversation = await ada.openDirect(bob.me.user_id)
    for (const text of numbered(30)) await conversation.send(text)
    const bobSide = await bob.openDirect(ada.me.user_id)
    await waitFor('Bob has all 30 (so the relay kept them)', async () => (await contents(bobSide)).length === 30)
    await first.close()

    const second = await fixture.relay({ dataDir, port: first.port })
    const room = bucketRoom(directConversation(ada.me.user_id, bob.me.user_id), 0)
    expect(await countAtFirstSync(second.wsUrl, room, bob.me)).toBe(30)

    // Clients that were connected reconnect by themselves and carry on.
    await conversation.send('after the restart')
    await waitFor('Bob receives after the restart', async () => (await contents(bobSide)).at(-1) === 'after the restart', 8000)
  })

  it('a relay killed with SIGKILL loses nothing it had already passed on', async () => {
    const dataDir = await fixture.tempDir()
    const killed = await spawnRelay({ dataDir })
    fixture.defer(() => killed.stop())
    const ada = await fixture.client(killed, 'Ada')
    const bob = await createIdentity()
    const conversation = await ada.openDirect(bob.user_id)
    await sendConfirmed(conversation, numbered(25))
    killed.kill('SIGKILL')
    await killed.exited

    const restarted = await spawnRelay({ dataDir, port: killed.port })
    fixture.defer(() => restarted.stop())
    const room = bucketRoom(directConversation(ada.me.user_id, bob.user_id), 0)
    expect(await countAtFirstSync(restarted.wsUrl, room, bob)).toBe(25)
  })

  it('a client joining while the last one leaves loses nothing', async () => {
    // A slow store widens the window in which the room is being written out and unloaded.
    const memory = new MemoryStore()
    const slow: RoomStore = {
      load: room => memory.load(room),
      append: async (room, update) => { await new Promise(resolve => setTimeout(resolve, 15)); await memory.append(room, update) },
      compact: async room => { await new Promise(resolve => setTimeout(resolve, 40)); await memory.compact(room) },
      readRecords: prefix => memory.readRecords(prefix),
      writeRecords: records => memory.writeRecords(records),
      close: async () => {} // kept open: the test reads it after the relay has gone
    }
    const relay = await fixture.relay({ store: slow, idleUnloadMs: 0 })
    const bobIdentity = (await fixture.client(relay, 'Bob')).me
    const adaIdentity = await createIdentity()
    const sent: string[] = []
    for (let round = 0; round < 6; round++) {
      const ada = await fixture.client(relay, 'Ada', { identity: adaIdentity, storagePrefix: `ada-round-${round}/` })
      const conversation = await ada.openDirect(bobIdentity.user_id)
      const text = `round ${round}`
      const message = await conversation.send(text)
      expect(conversation.isPending(message.message_id)).toBe(true)
      sent.push(text)
      await waitFor('the relay to confirm it', () => !conversation.isPending(message.message_id))
      // Leave and, after a varying delay, join from a fresh device: the join lands in the unload.
      await new Promise(resolve => setTimeout(resolve, 30))
      const leaving = ada.close()
      await new Promise(resolve => setTimeout(resolve, round * 8))
      const joiner = await fixture.client(relay, 'Bob', { identity: bobIdentity, storagePrefix: `bob-round-${round}/` })
      const bobSide = await joiner.openDirect(ada.me.user_id)
      // The joiner writes at once, too: a write into a room being unloaded must not be lost.
      const reply = await bobSide.send(`reply ${round}`)
      sent.push(reply.content)
      await leaving
      await waitFor(`Bob sees every message through round ${round}`, async () =>
        (await contents(bobSide)).join() === sent.join())
      await waitFor('the relay to confirm the reply', () => !bobSide.isPending(reply.message_id))
      await joiner.close()
    }
    // And once everyone has gone and the room is unloaded, the store still holds everything.
    await fixture.cleanup()
    const room = bucketRoom(directConversation(bobIdentity.user_id, adaIdentity.user_id), 0)
    const doc = new Y.Doc()
    for (const update of await memory.load(room)) Y.applyUpdate(doc, update)
    expect([...bucketMessages(doc).values()].map(message => (message as { content: string }).content).sort()).toEqual([...sent].sort())
  })
})

describe('room lifetime', () => {
  it('unloads a room from memory once its last client has gone, and reloads it intact', async () => {
    const relay = await fixture.relay({ idleUnloadMs: 100 })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await createIdentity()
    const conversation = await ada.openDirect(bob.user_id)
    await sendConfirmed(conversation, ['kept'])
    expect(relay.registry.size).toBeGreaterThanOrEqual(4) // own profile, own room, conversation index, bucket 0…
    await ada.close()
    await waitFor('every room unloaded', () => relay.registry.size === 0)
    const room = bucketRoom(directConversation(ada.me.user_id, bob.user_id), 0)
    expect(await countAtFirstSync(relay.wsUrl, room, bob)).toBe(1)
  })
})

describe('first syncs', () => {
  it('a newcomer holding nothing gets the room as it is now, also right after a change', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await createIdentity()
    const conversation = await ada.openDirect(bob.user_id)
    const room = bucketRoom(directConversation(ada.me.user_id, bob.user_id), 0)
    await sendConfirmed(conversation, numbered(5))
    // Two newcomers at once, then one after a further change: none may get an older state.
    expect(await Promise.all([countAtFirstSync(relay.wsUrl, room, bob), countAtFirstSync(relay.wsUrl, room, bob)])).toEqual([5, 5])
    await sendConfirmed(conversation, ['six'])
    expect(await countAtFirstSync(relay.wsUrl, room, bob)).toBe(6)
  })
})

describe('the relay process', () => {
  it('on SIGTERM writes everything out and exits 0, and the next start has it all', async () => {
    const dataDir = await fixture.tempDir()
    const relay = await spawnRelay({ dataDir })
    fixture.defer(() => relay.stop())
    const ada = await fixture.client(relay, 'Ada')
    const bob = await createIdentity()
    const conversation = await ada.openDirect(bob.user_id)
    await sendConfirmed(conversation, numbered(10))
    relay.kill('SIGTERM')
    const [code] = await relay.exited as [number | null]
    expect(code).toBe(0)
    expect(relay.output()).toMatch(/relay-stopping signal="SIGTERM"/)

    const restarted = await spawnRelay({ dataDir, port: relay.port })
    fixture.defer(() => restarted.stop())
    const room = bucketRoom(directConversation(ada.me.user_id, bob.user_id), 0)
    expect(await countAtFirstSync(restarted.wsUrl, room, bob)).toBe(10)
  })
})
