// People coming and going: in v2's layout a person hears of their contacts only, in v1's of everyone.
import { afterEach, describe, expect, it } from 'vitest'
import { randomId } from '../../shared/ids'
import { CountingStore, benchRelay } from './client-relay'
import { PresenceChurn, roomsOf, v1PresenceRoom } from './presence-churn'
import { createIdentities } from './thin-parley-setup'

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => { for (const each of opened.splice(0).reverse()) await each.close() })

const until = async (check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('presence churn', () => {
  it("v2: each person holds their profile room and their group's others', and hears of their arrivals only", async () => {
    const people = await createIdentities(16)
    expect(roomsOf('v2', people, 9, '')).toHaveLength(8)
    expect(roomsOf('v2', people, 9, '')[0]).toBe(`profile/${people[9]!.user_id}`)
    const relay = await benchRelay(new CountingStore())
    opened.push(relay)
    const churn = await PresenceChurn.open(relay.wsUrl, 'v2', people, v1PresenceRoom(randomId()), 14)
    opened.push(churn)
    // 14 online (people 9 and 15 offline): group 0's 8 each hear their 7 contacts arrive, group 1's 6 their 5; besides,
    // at most their own state back (the relay sends a change to everyone in the room) and a renewal's echo.
    const heard = 8 * 7 + 6 * 5
    await until(() => churn.totals().presenceFrames >= heard)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(churn.totals().presenceFrames).toBeLessThanOrEqual(heard + 14 * 2)
    churn.startChurn(20)
    await until(() => churn.totals().arrivals >= 3)
    expect(churn.totals()).toMatchObject({ failed: 0 })
    expect(churn.online()).toBeGreaterThanOrEqual(13)
  })

  it('v1: everyone in one room hears of everyone', async () => {
    const people = await createIdentities(10)
    const relay = await benchRelay(new CountingStore())
    opened.push(relay)
    const churn = await PresenceChurn.open(relay.wsUrl, 'v1', people, v1PresenceRoom(randomId()), 9)
    opened.push(churn)
    // Each of the 9 hears of the others' arrivals (coalesced by the relay into fewer messages, never more than 8 each).
    await until(() => churn.totals().presenceFrames >= 9)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(churn.totals().presenceFrames).toBeLessThanOrEqual(9 * 8)
    expect(churn.totals().presenceBytes).toBeGreaterThan(9 * 8 * 20)
  })
})
