// Idle rooms let go of their document while their members stay connected, and take it back the moment anyone writes or syncs.
import { afterEach, describe, expect, it } from 'vitest'
import { Fixture, TRANSPORTS, contents, waitFor } from './helpers'

describe.each(TRANSPORTS)('resting rooms (%s)', transport => {
  const fixture = new Fixture(transport)
  afterEach(() => fixture.cleanup())

  it('an idle conversation holds no document, yet messages, history and presence work as before', async () => {
    const relay = await fixture.relay({ docRestMs: 150 })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    for (const text of ['one', 'two', 'three']) await adaSide.send(text)
    await waitFor('Bob has all three', async () => (await contents(bobSide)).length === 3)

    // Everyone stays connected; every room lets go of its document, the profiles and own rooms too.
    const loaded = relay.registry.size
    await waitFor('no room keeps its document', () => relay.registry.documents === 0)
    expect(relay.registry.size).toBe(loaded)

    // Presence needs no document: typing shows without waking the conversation.
    adaSide.setTyping(true)
    await waitFor('Bob sees Ada typing', () => bobSide.typing().includes(ada.me.user_id))
    expect(relay.registry.documents).toBe(0)
    adaSide.setTyping(false)

    // A message wakes the rooms it goes to, and arrives live.
    await adaSide.send('after the rest')
    await waitFor('Bob receives the message sent to a resting room', async () => (await contents(bobSide)).at(-1) === 'after the rest')
    expect(relay.registry.documents).toBeGreaterThan(0)

    // Rested again, a new device of Bob's gets the whole history at its first sync.
    await waitFor('the rooms rest again', () => relay.registry.documents === 0)
    const newDevice = await fixture.client(relay, 'Bob', { identity: bob.me, storagePrefix: `bob-new-device/${transport}/` })
    const fromNewDevice = await newDevice.openDirect(ada.me.user_id)
    // NOTE: a new device may open the conversation before its socket is up (offline first): it fills in once synced.
    await waitFor('the new device has the whole history', async () => (await contents(fromNewDevice)).length === 4)
    expect(await contents(fromNewDevice)).toEqual(['one', 'two', 'three', 'after the rest'])
  })
})
