// Activity signatures: an entry verifies only as its sender signed it, and only in the room it was signed for.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { signActivity, verifyActivity, type UnsignedActivity } from './activity-signature'
import { createIdentity, type Identity } from './identity'
import { randomId } from './ids'
import { conversationRoom, groupConversation } from './protocol'
import type { ActivityEntry } from './schema'

const T = '2024-05-01T12:00:00.000Z'

let ada: Identity
let bob: Identity
beforeAll(async () => { [ada, bob] = await Promise.all([createIdentity(), createIdentity()]) })

const room = conversationRoom(groupConversation(randomId()))

const unsigned = (): UnsignedActivity => ({
  sender_id: ada.user_id,
  count: 3,
  last: { message_id: randomId(), sender_id: ada.user_id, created_at: T, preview: 'hello', deleted: false }
})

const signed = async (entry: UnsignedActivity, by: Identity = ada, inRoom = room): Promise<ActivityEntry> =>
  ({ ...entry, signature: await signActivity(by, inRoom, entry) })

describe('signActivity and verifyActivity', () => {
  it('verifies an entry as signed, with or without a last message', async () => {
    expect(await verifyActivity(room, await signed(unsigned()), ada.public_key)).toBe(true)
    expect(await verifyActivity(room, await signed({ ...unsigned(), count: 0, last: null }), ada.public_key)).toBe(true)
  })

  it('fails when any part changed, in another room, or with another key', async () => {
    const genuine = await signed(unsigned())
    const last = genuine.last!
    const altered: ActivityEntry[] = [
      { ...genuine, count: 4 },
      { ...genuine, sender_id: bob.user_id },
      { ...genuine, last: null },
      { ...genuine, last: { ...last, message_id: randomId() } },
      { ...genuine, last: { ...last, created_at: '2024-05-01T12:00:00.001Z' } },
      { ...genuine, last: { ...last, preview: 'hellO' } },
      { ...genuine, last: { ...last, deleted: true } }
    ]
    for (const entry of altered) expect(await verifyActivity(room, entry, ada.public_key)).toBe(false)
    expect(await verifyActivity(conversationRoom(groupConversation(randomId())), genuine, ada.public_key)).toBe(false)
    expect(await verifyActivity(room, genuine, bob.public_key)).toBe(false)
    expect(await verifyActivity(room, { ...genuine, signature: 'A'.repeat(86) }, ada.public_key)).toBe(false)
  })
})

describe('entries signed here', () => {
  it('verify again without WebCrypto, but only for the exact entry, room and signer’s key', async () => {
    const entry = await signed(unsigned()) // the first signature of a key is checked for real once
    const again = await signed(unsigned())
    const verify = vi.spyOn(crypto.subtle, 'verify')
    try {
      expect(await verifyActivity(room, again, ada.public_key)).toBe(true)
      expect(await verifyActivity(room, entry, ada.public_key)).toBe(true)
      expect(verify).not.toHaveBeenCalled()
      expect(await verifyActivity(room, { ...again, count: 4 }, ada.public_key)).toBe(false)
      expect(await verifyActivity(conversationRoom(groupConversation(randomId())), again, ada.public_key)).toBe(false)
      expect(await verifyActivity(room, again, bob.public_key)).toBe(false)
      expect(verify).toHaveBeenCalledTimes(3)
    } finally {
      verify.mockRestore()
    }
  })

  it('do not vouch for an identity whose public key is not its private key’s', async () => {
    const impostor: Identity = { ...bob, keys: ada.keys } // claims Bob's key, signs with Ada's
    const entry = await signed({ ...unsigned(), sender_id: bob.user_id }, impostor)
    expect(await verifyActivity(room, entry, bob.public_key)).toBe(false)
  })
})
