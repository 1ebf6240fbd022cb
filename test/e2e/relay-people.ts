// People on the relay who sit at no browser: a Node client each, with a profile the relay's search finds.
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { ParleyClient, createIdentity, memoryStorage, muxNetwork } from '../../client'
import type { BrowserFixture, TestRelay } from './harness'
import { SYNC_TIMEOUT_MS } from './parley-app'

/**
 * Someone called `name` who joined `relay` and left again: their profile is on the relay, and its
 * search finds them. Cheaper than a browser for people a test only needs to exist.
 */
export const personOnRelay = async (browsers: BrowserFixture, relay: TestRelay, name: string): Promise<void> => {
  const identity = await createIdentity()
  const client = await ParleyClient.open({
    identity,
    network: muxNetwork({ url: relay.wsUrl, identity, WebSocket, maxBackoffMs: 300 }),
    storage: memoryStorage
  })
  browsers.defer(() => client.close())
  client.setProfile({ name })
  await expect.poll(async () => {
    const { people } = await client.findPeople(name).catch(() => ({ people: [] }))
    return people.some(user => user.user_id === identity.user_id)
  }, { timeout: SYNC_TIMEOUT_MS, interval: 100, message: `the relay to find ${name}` }).toBe(true)
  await client.close()
}
