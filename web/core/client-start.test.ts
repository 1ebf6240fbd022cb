// When starting waits for one's profile from the relay, and for how long, over real offline clients.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ParleyClient } from '../../client'
import { openOfflineClient } from '../../client/testing/offline-testing'
import { FIRST_SYNC_WAIT_MS, awaitProfile } from './client-start'

const clients: ParleyClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(client => client.close()))
})

/** An offline client whose wait for the relay is recorded, and answered at once. */
const openWatched = async () => {
  const { client } = await openOfflineClient()
  clients.push(client)
  const whenSynced = vi.spyOn(client, 'whenSynced').mockResolvedValue(false)
  return { client, whenSynced }
}

describe('awaitProfile', () => {
  it('waits FIRST_SYNC_WAIT_MS for a known identity with no profile here', async () => {
    const { client, whenSynced } = await openWatched()
    await awaitProfile(client, false)
    expect(whenSynced).toHaveBeenCalledExactlyOnceWith(FIRST_SYNC_WAIT_MS)
  })

  it('takes a shorter wait when told', async () => {
    const { client, whenSynced } = await openWatched()
    await awaitProfile(client, false, 10)
    expect(whenSynced).toHaveBeenCalledExactlyOnceWith(10)
  })

  it('does not wait for a brand-new identity: it has no profile anywhere', async () => {
    const { client, whenSynced } = await openWatched()
    await awaitProfile(client, true)
    expect(whenSynced).not.toHaveBeenCalled()
  })

  it('does not wait when the profile is already here', async () => {
    const { client, whenSynced } = await openWatched()
    client.setProfile({ name: 'Ada' })
    await awaitProfile(client, false)
    expect(whenSynced).not.toHaveBeenCalled()
  })
})
