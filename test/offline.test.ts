// Offline-first: what a client writes without the relay is delivered once, in order, when it is back.
import { afterEach, describe, expect, it } from 'vitest'
import type { Message } from '../shared/model'
import { Fixture, TRANSPORTS, contents, waitFor } from './helpers'

describe.each(TRANSPORTS)('offline (%s)', transport => {
  const fixture = new Fixture(transport)
  afterEach(() => fixture.cleanup())


  it('a client that goes offline, sends 50 messages and comes back delivers all 50 exactly once and in order', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    await adaSide.send('before')
    await waitFor('Bob receives the first message', async () => (await contents(bobSide)).length === 1)

    ada.setOnline(false)
    await waitFor('Ada offline', () => ada.status === 'offline' || ada.status === 'connecting')
    const offline = Array.from({ length: 50 }, (_, i) => `offline ${i}`)
    const sent: Message[] = []
    for (const text of offline) sent.push(await adaSide.send(text))
    // Shown at once on Ada's side, pending, and nowhere else.
    expect(await contents(adaSide)).toEqual(['before', ...offline])
    expect(sent.every(message => adaSide.isPending(message.message_id))).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(await contents(bobSide)).toEqual(['before'])

    ada.setOnline(true)
    await waitFor('Bob receives all 50', async () => (await contents(bobSide)).length === 51)
    const received = (await bobSide.history({ limit: 100 })).messages.reverse()
    expect(received.map(message => message.content)).toEqual(['before', ...offline])
    expect(new Set(received.map(message => message.message_id)).size).toBe(51)
    await waitFor('the relay confirms them all', () => sent.every(message => !adaSide.isPending(message.message_id)))
  })

  it('works with no relay at all: a client opens, writes and reads from its local copy alone', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada', { storagePrefix: 'ada-alone/' })
    const bob = await fixture.client(relay, 'Bob')
    await waitFor('Ada knows Bob', () => ada.user(bob.me.user_id))
    const conversation = await ada.openDirect(bob.me.user_id)
    const kept = await conversation.send('kept locally')
    await waitFor('the relay confirms it', () => !conversation.isPending(kept.message_id))
    await ada.close()

    // The relay is gone; Ada comes back on the same device.
    await relay.close()
    const again = await fixture.client({ wsUrl: relay.wsUrl }, 'Ada', { identity: ada.me, storagePrefix: 'ada-alone/' })
    expect(again.user(bob.me.user_id)?.name).toBe('Bob')
    const reopened = await again.openDirect(bob.me.user_id)
    expect(await contents(reopened)).toEqual(['kept locally'])
    // What the relay confirmed before stays confirmed, even with no relay to ask now.
    expect(reopened.isPending(kept.message_id)).toBe(false)
    const offline = await reopened.send('written offline')
    expect(await contents(reopened)).toEqual(['kept locally', 'written offline'])
    expect(reopened.isPending(offline.message_id)).toBe(true)
    expect(reopened.isPending(kept.message_id)).toBe(false)
    expect(again.status).not.toBe('connected')
  })
})
