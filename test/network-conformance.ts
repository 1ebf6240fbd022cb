// The conformance suite every client Network runs against the real relay: sync, acknowledgement, reconnection, resync and refusal.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../shared/identity'
import { LOCAL_ORIGIN } from '../shared/origin'
import { bucketRoom, conversationRoom, directConversation, groupConversation, profileRoom } from '../shared/protocol'
import { bucketMessages, groupRecord, profileRecord } from '../shared/schema'
import { ParleyClient } from '../client/parley'
import { memoryStorage, type Network, type RoomLink } from '../client/transport'
import { MemoryStore } from '../relay/storage/memory-store'
import { relayDoc } from './hand-socket'
import { Fixture, contents, sendConfirmed, waitFor } from './helpers'

export interface NetworkSetup {
  /** A network for `identity` to the relay at `wsUrl`, reconnecting within a fraction of a second. */
  open(wsUrl: string, identity: Identity): Network
  /**
   * Whether the network reaches the relay at all. NOTE: one that does not (offlineNetwork) runs
   * only the case about writing without the relay; sync, acknowledgement, reconnection, resync
   * and refusal are all about a relay's answers, and it never gets any.
   */
  reachesRelay: boolean
}

interface Opened {
  client: ParleyClient
  /** The newest link (and its doc) the client's network made for `room`. */
  link(room: string): { link: RoomLink; doc: Y.Doc }
}

/** Polls for `ms`: long enough for anything the relay would still send back to arrive. */
const settle = (ms = 300) => new Promise(resolve => setTimeout(resolve, ms))

export const runNetworkConformance = (name: string, setup: NetworkSetup): void => {
  describe(`Network conformance: ${name}`, () => {
    const fixture = new Fixture()
    afterEach(() => fixture.cleanup())

    /** A client over the network under test, keeping its rooms in memory, with a handle on its links. */
    const open = async (relay: { wsUrl: string } | null, profile: string, identity?: Identity): Promise<Opened> => {
      const me = identity ?? await createIdentity()
      const inner = setup.open(relay?.wsUrl ?? 'ws://127.0.0.1:9', me)
      const links = new Map<string, { link: RoomLink; doc: Y.Doc }>()
      const network: Network = {
        connect: (room, doc, awareness) => {
          const link = inner.connect(room, doc, awareness)
          links.set(room, { link, doc })
          return link
        },
        findPeople: (query, options) => inner.findPeople(query, options),
        setOnline: online => inner.setOnline(online),
        setInvite: invite => inner.setInvite(invite)
      }
      const client = await ParleyClient.open({ identity: me, network, storage: memoryStorage, syncWaitMs: 3000 })
      fixture.defer(() => client.close())
      client.setProfile({ name: profile })
      return {
        client,
        link: room => {
          const found = links.get(room)
          if (!found) throw new Error(`no link for ${room}`)
          return found
        }
      }
    }

    /** Goes offline and back, and waits for the room's link to be in sync again. */
    const resync = async ({ client, link }: Opened, room: string) => {
      client.setOnline(false)
      await waitFor('the link to go offline', () => !link(room).link.synced)
      client.setOnline(true)
      await waitFor('the link to sync again', () => link(room).link.synced, 8000)
    }

    /** Whether the relay holds everything `doc` holds, as the link reports it (what the outbox waits for). */
    const settled = ({ link, doc }: { link: RoomLink; doc: Y.Doc }): boolean =>
      [...Y.decodeStateVector(Y.encodeStateVector(doc))].every(([client, clock]) => link.acknowledged(client) >= clock)

    it('keeps writes made without the relay, reported as undelivered, until it is reachable', async () => {
      const relay = setup.reachesRelay ? await fixture.relay() : null
      const ada = await open(relay, 'Ada')
      const bob = relay ? await open(relay, 'Bob') : null
      const bobId = bob?.client.me.user_id ?? (await createIdentity()).user_id
      // Ada has Bob's profile (his key, which his messages are checked with) before she goes offline.
      if (bob) await waitFor('Ada looks Bob up', () => ada.client.lookUp(bobId))
      ada.client.setOnline(false)
      await waitFor('Ada is offline', () => ada.client.status === 'offline')
      const conversation = await ada.client.openDirect(bobId)
      const sent = await conversation.send('written offline')
      const bucket = ada.link(bucketRoom(directConversation(ada.client.me.user_id, bobId), 0))
      expect(conversation.isPending(sent.message_id)).toBe(true)
      expect(ada.client.undelivered()).toContain(bucketRoom(directConversation(ada.client.me.user_id, bobId), 0))
      expect(bucket.link.synced).toBe(false)
      expect(settled(bucket)).toBe(false)
      ada.client.setOnline(true)
      if (!bob) {
        // Nothing to reach: it stays offline, and the write stays pending, kept for a network that can deliver it.
        expect(await bucket.link.whenSynced(200)).toBe(false)
        expect(ada.client.status).toBe('offline')
        expect(conversation.isPending(sent.message_id)).toBe(true)
        expect(ada.client.undelivered()).not.toEqual([])
        return
      }
      await waitFor('the write is delivered', () => !conversation.isPending(sent.message_id) && ada.client.undelivered().length === 0, 8000)
      const bobSide = await bob.client.openDirect(ada.client.me.user_id)
      await waitFor('Bob has it', async () => (await contents(bobSide)).includes('written offline'))
    })

    if (!setup.reachesRelay) return

    it('syncs a room both ways', async () => {
      const relay = await fixture.relay()
      const ada = await open(relay, 'Ada')
      const bob = await open(relay, 'Bob')
      await waitFor('each looks the other up', async () =>
        (await ada.client.lookUp(bob.client.me.user_id))?.name === 'Bob' && (await bob.client.lookUp(ada.client.me.user_id))?.name === 'Ada')
      const adaSide = await ada.client.openDirect(bob.client.me.user_id)
      const bobSide = await bob.client.openDirect(ada.client.me.user_id)
      await sendConfirmed(adaSide, ['from Ada'])
      await waitFor('Bob has it', async () => (await contents(bobSide)).includes('from Ada'))
      await sendConfirmed(bobSide, ['from Bob'])
      await waitFor('Ada has it', async () => (await contents(adaSide)).join() === 'from Ada,from Bob')
      expect(await contents(bobSide)).toEqual(['from Ada', 'from Bob'])
    })

    it('acknowledges a change once the relay has stored it, not before', async () => {
      // A store that holds one room's writes until the test lets them through.
      const memory = new MemoryStore()
      let release: () => void = () => {}
      const released = new Promise<void>(resolve => { release = resolve })
      let held = ''
      let arrived = false
      const store = Object.assign(Object.create(memory) as MemoryStore, {
        append: async (room: string, update: Uint8Array) => {
          if (room === held) {
            arrived = true
            await released
          }
          await memory.append(room, update)
        }
      })
      const relay = await fixture.relay({ store })
      const ada = await open(relay, 'Ada')
      const bob = await createIdentity()
      held = bucketRoom(directConversation(ada.client.me.user_id, bob.user_id), 0)
      const conversation = await ada.client.openDirect(bob.user_id)
      const sent = await conversation.send('stored?')
      await waitFor('the relay to be writing it', () => arrived)
      await settle()
      const bucket = ada.link(held)
      expect(conversation.isPending(sent.message_id)).toBe(true)
      expect(settled(bucket)).toBe(false)
      expect(ada.client.undelivered()).toContain(held)
      release()
      await waitFor('the relay to confirm it', () => !conversation.isPending(sent.message_id) && settled(bucket))
      const stored = new Y.Doc()
      for (const update of await memory.load(held)) Y.applyUpdate(stored, update)
      expect([...bucketMessages(stored).keys()]).toEqual([sent.message_id])
      await waitFor('the outbox to let the room go', () => ada.client.undelivered().length === 0)
    })

    it('reconnects after the relay restarts, losing nothing and doubling nothing', async () => {
      const dataDir = await fixture.tempDir()
      const first = await fixture.relay({ dataDir })
      const ada = await open(first, 'Ada')
      const bob = await open(first, 'Bob')
      const adaSide = await ada.client.openDirect(bob.client.me.user_id)
      const bobSide = await bob.client.openDirect(ada.client.me.user_id)
      await sendConfirmed(adaSide, ['m0', 'm1', 'm2'])
      await waitFor('Bob has three', async () => (await contents(bobSide)).length === 3)
      await first.close()
      await waitFor('Ada sees the relay gone', () => ada.client.status !== 'connected')
      await adaSide.send('m3')
      await bobSide.send('m4')
      const second = await fixture.relay({ dataDir, port: first.port })
      await waitFor('both reconnect', () => ada.client.status === 'connected' && bob.client.status === 'connected', 8000)
      await waitFor('both have all five', async () => (await contents(adaSide)).length === 5 && (await contents(bobSide)).length === 5, 8000)
      await waitFor('nothing left to deliver', () => ada.client.undelivered().length === 0 && bob.client.undelivered().length === 0, 8000)
      await settle()
      for (const side of [adaSide, bobSide]) expect((await contents(side)).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
      const room = bucketRoom(directConversation(ada.client.me.user_id, bob.client.me.user_id), 0)
      expect(bucketMessages(await relayDoc(second, room)).size).toBe(5)
    })

    it('sends on resync what was written offline, and takes in what others wrote meanwhile', async () => {
      const relay = await fixture.relay()
      const ada = await open(relay, 'Ada')
      const bob = await open(relay, 'Bob')
      const adaSide = await ada.client.openDirect(bob.client.me.user_id)
      const bobSide = await bob.client.openDirect(ada.client.me.user_id)
      await sendConfirmed(adaSide, ['before'])
      ada.client.setOnline(false)
      await waitFor('Ada is offline', () => ada.client.status === 'offline')
      ada.client.setProfile({ name: 'Ada (away)' })
      await adaSide.send('offline 1')
      await adaSide.send('offline 2')
      await sendConfirmed(bobSide, ['while Ada was away'])
      ada.client.setOnline(true)
      await waitFor('both have all four', async () => (await contents(adaSide)).length === 4 && (await contents(bobSide)).length === 4, 8000)
      await waitFor('Bob sees the new name', () => bob.client.user(ada.client.me.user_id)?.name === 'Ada (away)')
      await waitFor('nothing left to deliver', () => ada.client.undelivered().length === 0)
      expect(new Set(await contents(adaSide))).toEqual(new Set(['before', 'offline 1', 'offline 2', 'while Ada was away']))
    })

    it('reports a refused change on the link, never offers it again across resyncs and a relay restart, and writes on after it', async () => {
      // A user at their quota in a room: an honest message the relay refuses ('over-quota').
      const dataDir = await fixture.tempDir()
      const limits = { maxBytesPerUserPerRoom: 3000 }
      const first = await fixture.relay({ dataDir, limits })
      const ada = await open(first, 'Ada')
      const bob = await open(first, 'Bob')
      const adaSide = await ada.client.openDirect(bob.client.me.user_id)
      const bobSide = await bob.client.openDirect(ada.client.me.user_id)
      await sendConfirmed(adaSide, ['hello'])
      const room = bucketRoom(directConversation(ada.client.me.user_id, bob.client.me.user_id), 0)
      const bucket = ada.link(room)
      // Refused, the room is rebuilt from the relay's state on a new link: every link of the room counts.
      const rejections = () => [...new Set([bucket.link, ada.link(room).link])].reduce((sum, link) => sum + link.rejections, 0)
      await adaSide.send('x'.repeat(3500))
      await waitFor('Ada is told', () => bucket.link.rejections === 1)
      expect(bucket.link.rejection).toBe('over-quota')
      // What was refused counts as settled: the outbox lets the room go instead of retrying it.
      await waitFor('the refused change settles', () => settled(bucket))
      await waitFor('the outbox lets the room go', () => ada.client.undelivered().length === 0)
      // Later writes are not taken for built on the refused one.
      await sendConfirmed(adaSide, ['after'])
      await resync(ada, room)
      await sendConfirmed(adaSide, ['after a resync'])
      await first.close()
      await fixture.relay({ dataDir, limits, port: first.port })
      await waitFor('Ada syncs with the restarted relay', () => ada.link(room).link.synced, 8000)
      await sendConfirmed(adaSide, ['after a restart'])
      await waitFor('Bob has what was accepted', async () => (await contents(bobSide)).join() === 'hello,after,after a resync,after a restart', 8000)
      await settle()
      expect(rejections()).toBe(1)
      expect(ada.client.undelivered()).toEqual([])
    })

    it('reports a refused profile on one\'s profile link, rebuilds the room, and writes on after it', async () => {
      const relay = await fixture.relay()
      const ada = await open(relay, 'Ada')
      const bob = await open(relay, 'Bob')
      const room = profileRoom(ada.client.me.user_id)
      await waitFor('Bob looks Ada up', async () => (await bob.client.lookUp(ada.client.me.user_id))?.name === 'Ada')
      // A profile with a field the relay does not know, written below the API (as another version of the app might).
      const own = ada.link(room)
      own.doc.transact(() => profileRecord(own.doc).set(ada.client.me.user_id, { ...ada.client.profile()!, name: 'Ada?', mood: 'curious' }), LOCAL_ORIGIN)
      await waitFor('Ada is told', () => own.link.rejections === 1)
      expect(own.link.rejection).toBe('unknown-field')
      await waitFor('Ada\'s copy is the relay\'s again', () => ada.client.lastReverted?.room === room && ada.client.profile()?.name === 'Ada')
      ada.client.setProfile({ name: 'Ada Lovelace' })
      await waitFor('Bob sees her next name', () => bob.client.user(ada.client.me.user_id)?.name === 'Ada Lovelace')
      await waitFor('her profile settles', () => settled(ada.link(room)))
      await resync(ada, room)
      await settle()
      expect([...new Set([own.link, ada.link(room).link])].reduce((sum, link) => sum + link.rejections, 0)).toBe(1)
      expect(bob.client.user(ada.client.me.user_id)?.name).toBe('Ada Lovelace')
    })

    /**
     * Bob leaves, offline, a group Ada renamed meanwhile, and comes back: his record of it, in the
     * group's own room, is stale, an overwrite only an admin may write, which the relay refuses.
     */
    const staleLeave = async () => {
      const relay = await fixture.relay()
      const ada = await open(relay, 'Ada')
      const bob = await open(relay, 'Bob')
      const group = await ada.client.createGroup({ name: 'Team', user_ids: [bob.client.me.user_id] })
      const room = conversationRoom(groupConversation(group.group_id))
      await waitFor('Bob sees the group', () => bob.client.group(group.group_id) !== null)
      bob.client.setOnline(false)
      await waitFor('Bob is offline', () => bob.client.status === 'offline')
      ada.client.renameGroup(group.group_id, 'Team 2')
      await waitFor('the rename is on the relay', async () =>
        (groupRecord(await relayDoc(relay, room)).get(group.group_id) as { name?: string } | undefined)?.name === 'Team 2')
      bob.client.removeMembers(group.group_id, [bob.client.me.user_id])
      // Every refusal Bob's client is told of, on whichever link of the room (a rebuild makes a new one).
      const rejected: string[] = []
      bob.client.subscribe(change => { if (change === 'rejected') rejected.push(bob.client.lastRejection ?? '') })
      bob.client.setOnline(true)
      return { ada, bob, group, room, rejected }
    }

    /**
     * Bob writes to the group's room again: a message, whose activity entry goes to the room the
     * refused change was in; Ada's conversation list shows it once the relay has accepted it.
     */
    const writeOn = async ({ ada, bob, group }: Awaited<ReturnType<typeof staleLeave>>, text: string) => {
      await waitFor('Bob\'s copy has him back in the group', () => bob.client.group(group.group_id)?.user_ids.includes(bob.client.me.user_id))
      const bobSide = await bob.client.openGroup(group.group_id)
      await sendConfirmed(bobSide, [text])
      await waitFor('Ada sees Bob\'s next write', () =>
        ada.client.conversations().find(summary => summary.group_id === group.group_id)?.last?.preview === text, 8000)
    }

    it('reports a refused overwrite on the link, settles it, and writes on after it', async () => {
      const stale = await staleLeave()
      const { ada, bob, group, room, rejected } = stale
      const index = bob.link(room)
      await waitFor('Bob is told', () => index.link.rejections === 1)
      expect(index.link.rejection).toBe('not-an-admin')
      expect(bob.client.lastRejection).toBe('not-an-admin')
      await waitFor('the refused change settles', () => settled(index))
      await writeOn(stale, 'still here')
      await waitFor('Bob\'s write settles', () => settled(bob.link(room)))
      await settle()
      expect(rejected).toEqual(['not-an-admin'])
      // Nobody else ever sees the refused change.
      expect(ada.client.group(group.group_id)?.user_ids).toContain(bob.client.me.user_id)
    })

    // NOTE: an overwrite also deletes the value it replaced, and Yjs sends a replica's whole delete
    // set in every sync step 2: a network can withhold the refused structs but not tell which
    // deletions came of them. The replica rebuilds its copy from the relay's after a refusal, so
    // that nothing of the refused change is left to offer.
    it('never offers a refused overwrite again, deletions included, across resyncs', async () => {
      const stale = await staleLeave()
      const { bob, group, room, rejected } = stale
      await waitFor('Bob is told', () => bob.client.lastRejection === 'not-an-admin')
      await waitFor('Bob\'s copy is the relay\'s again', () => {
        const seen = bob.client.group(group.group_id)
        return seen?.name === 'Team 2' && seen.user_ids.includes(bob.client.me.user_id)
      })
      const index = bob.link(room)
      const refusals = index.link.rejections
      for (let resync = 0; resync < 2; resync++) {
        bob.client.setOnline(false)
        await waitFor('Bob is offline', () => bob.client.status === 'offline')
        bob.client.setOnline(true)
        await waitFor('Bob syncs again', () => bob.client.status === 'connected' && index.link.synced)
      }
      await writeOn(stale, 'after resyncs')
      await settle()
      expect(index.link.rejections).toBe(refusals)
      expect(rejected).toEqual(['not-an-admin'])
      expect(bob.client.group(group.group_id)?.name).toBe('Team 2')
    })
  })
}
