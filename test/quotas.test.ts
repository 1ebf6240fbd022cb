// Nobody fills a room everyone downloads: what a user holds live in a room is capped, and so is a bucket's size.
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { createIdentity, type Identity } from '../shared/identity'
import { randomId } from '../shared/ids'
import { bucketRoom, directConversation } from '../shared/protocol'
import type { Relay } from '../relay/server'
import { MAX_BUCKET_ENTRIES } from '../relay/writes/judge-update'
import { craft, mapEntry, run } from './hand-updates'
import { handSocket, relayDoc } from './hand-socket'
import { Fixture } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

const NOW = '2026-12-07T10:00:00.000Z'
/** The shape of a signature (the relay checks shapes; clients check signatures). */
const SIGNATURE = 'A'.repeat(85) + 'w'

/** A direct message from `from` to `to` holding `content`. */
const message = (from: Identity, to: Identity, content: string, fields: Record<string, unknown> = {}) => ({
  message_id: randomId(), sender_id: from.user_id, receiver_id: to.user_id, group_id: null, content,
  created_at: NOW, updated_at: NOW, deleted_at: null, signature: SIGNATURE, ...fields
})

/** One update writing `values` under fresh keys, from one Yjs client starting at `clock`. */
const entries = (client: number, clock: number, values: Array<{ message_id: string }>): Uint8Array =>
  craft(e => {
    encoding.writeVarUint(e, 1)
    run(e, values.length, client, clock)
    for (const value of values) mapEntry(e, 'messages', value.message_id, value)
  })

const messagesIn = async (relay: Relay, room: string): Promise<number> => (await relayDoc(relay, room)).getMap('messages').size

describe('storage quotas', () => {
  it('refuses what would take a user past their bytes in a room, keeps what was written, and lets them go on once they free some', async () => {
    const relay = await fixture.relay({ limits: { maxBytesPerUserPerRoom: 20_000 } })
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const room = bucketRoom(directConversation(ada.user_id, bob.user_id), 0)
    const hand = await handSocket(fixture, relay, ada, room)
    const long = Array.from({ length: 4 }, () => message(ada, bob, 'x'.repeat(4000)))
    await hand.accepted(entries(1234, 0, long), async () => await messagesIn(relay, room) === 4)
    // A fifth would hold more than 20,000 bytes of hers in the room.
    expect(await hand.refused(entries(1234, 4, [message(ada, bob, 'y'.repeat(4000))]))).toBe('rejected-update:over-quota')
    expect(await messagesIn(relay, room)).toBe(4)
    // Bob's own writes are his: her quota is not his.
    const bobHand = await handSocket(fixture, relay, bob, room)
    await bobHand.accepted(entries(5678, 0, [message(bob, ada, 'z'.repeat(4000))]), async () => await messagesIn(relay, room) === 5)
    // Deleting one of hers (its content goes) makes room for a new one, from a fresh client id.
    const [first] = long
    const deleted = { ...first!, content: '', deleted_at: NOW }
    const freeing = craft(e => { encoding.writeVarUint(e, 1); run(e, 1, 4321, 0); mapEntry(e, 'messages', first!.message_id, deleted) })
    await hand.accepted(freeing, async () => ((await relayDoc(relay, room)).getMap('messages').get(first!.message_id) as { content: string }).content === '')
    await hand.accepted(entries(4321, 1, [message(ada, bob, 'w'.repeat(3000))]), async () => await messagesIn(relay, room) === 6)
  })

  it('counts a quota from the room as stored, so a restart does not reset it', async () => {
    const dataDir = await fixture.tempDir()
    const limits = { maxBytesPerUserPerRoom: 10_000 }
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const room = bucketRoom(directConversation(ada.user_id, bob.user_id), 0)
    const first = await fixture.relay({ dataDir, limits })
    const hand = await handSocket(fixture, first, ada, room)
    await hand.accepted(entries(99, 0, [message(ada, bob, 'x'.repeat(4000)), message(ada, bob, 'x'.repeat(4000))]), async () => await messagesIn(first, room) === 2)
    await first.close()
    const second = await fixture.relay({ dataDir, limits })
    const again = await handSocket(fixture, second, ada, room)
    expect(await again.refused(entries(98, 0, [message(ada, bob, 'y'.repeat(4000))]))).toBe('rejected-update:over-quota')
  })

  it('caps what a user holds over all rooms too, and remembers it across a restart', async () => {
    const dataDir = await fixture.tempDir()
    const limits = { maxBytesPerUser: 12_000 }
    const [ada, bob, carol, dan] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity()])
    const withBob = bucketRoom(directConversation(ada.user_id, bob.user_id), 0)
    const withCarol = bucketRoom(directConversation(ada.user_id, carol.user_id), 0)
    const first = await fixture.relay({ dataDir, limits })
    await (await handSocket(fixture, first, ada, withBob)).accepted(entries(11, 0, [message(ada, bob, 'x'.repeat(4000)), message(ada, bob, 'x'.repeat(4000))]),
      async () => await messagesIn(first, withBob) === 2)
    // A third long message, in another room, would take her past 12,000 bytes in all.
    const toCarol = await handSocket(fixture, first, ada, withCarol)
    expect(await toCarol.refused(entries(12, 0, [message(ada, carol, 'y'.repeat(4000))]))).toBe('rejected-update:over-quota')
    await toCarol.accepted(entries(13, 0, [message(ada, carol, 'short')]), async () => await messagesIn(first, withCarol) === 1)
    await first.close()
    const second = await fixture.relay({ dataDir, limits })
    const withDan = bucketRoom(directConversation(ada.user_id, dan.user_id), 0)
    expect(await (await handSocket(fixture, second, ada, withDan)).refused(entries(14, 0, [message(ada, dan, 'z'.repeat(4000))])))
      .toBe('rejected-update:over-quota')
  })

  it('refuses message ids past a bucket\'s bound, whoever writes them', async () => {
    const relay = await fixture.relay()
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const room = bucketRoom(directConversation(ada.user_id, bob.user_id), 0)
    const hand = await handSocket(fixture, relay, ada, room)
    const many = Array.from({ length: MAX_BUCKET_ENTRIES + 1 }, (_, index) => message(ada, bob, `#${index}`))
    expect(await hand.refused(entries(7, 0, many))).toBe('rejected-update:bucket-full')
    await hand.accepted(entries(8, 0, many.slice(0, MAX_BUCKET_ENTRIES)), async () => await messagesIn(relay, room) === MAX_BUCKET_ENTRIES)
    const bobHand = await handSocket(fixture, relay, bob, room)
    expect(await bobHand.refused(entries(9, 0, [message(bob, ada, 'one more')]))).toBe('rejected-update:bucket-full')
  })
})
