// Offline-first: what a client writes without the relay is delivered once, in order, when it is back.
import { afterEach, describe, expect, it } from 'vitest'
import type { Message } from '../shared/model'
import { profileRoom } from '../shared/protocol'
import { profileRecord } from '../shared/schema'
import { relayDoc } from './hand-socket'
import { Fixture, TRANSPORTS, contents, lookUp, waitFor } from './helpers'

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
    await lookUp(ada, bob)
    const conversation = await ada.openDirect(bob.me.user_id)
    const kept = await conversation.send('kept locally')
    await waitFor('the relay confirms it', () => !conversation.isPending(kept.message_id))
    await ada.close()

    // The relay is gone; Ada comes back on the same device.
    await relay.close()
    const again = await fixture.client({ wsUrl: relay.wsUrl }, 'Ada', { identity: ada.me, storagePrefix: 'ada-alone/' })
    // Bob is her contact: his profile, kept on this device, loads as her conversations do.
    await waitFor('Ada\'s device shows Bob\'s name', () => again.user(bob.me.user_id)?.name === 'Bob', 1000)
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

  it('looks someone up on the relay while still connecting, and offline answers at once from what it holds', async () => {
    const dataDir = await fixture.tempDir()
    const first = await fixture.relay({ dataDir })
    const bob = await fixture.client(first, 'Bob')
    await waitFor('the relay has Bob\'s profile', async () => profileRecord(await relayDoc(first, profileRoom(bob.me.user_id))).has(bob.me.user_id))
    await bob.close()
    await first.close()
    // Ada opens while the relay is down: she asks for Bob before it is back, and is answered once it is.
    const ada = await fixture.client(first, 'Ada')
    const found = ada.lookUp(bob.me.user_id)
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(ada.status).toBe('connecting')
    const relay = await fixture.relay({ dataDir, port: first.port })
    expect(await found).toMatchObject({ name: 'Bob' })

    const carol = await fixture.client(relay, 'Carol')
    await waitFor('the relay has Carol\'s profile', async () => profileRecord(await relayDoc(relay, profileRoom(carol.me.user_id))).has(carol.me.user_id))
    ada.setOnline(false)
    await waitFor('Ada offline', () => ada.status === 'offline')
    const asked = Date.now()
    expect(await ada.lookUp(carol.me.user_id)).toBeNull()
    expect(Date.now() - asked).toBeLessThan(1000)
    expect(await ada.lookUp(bob.me.user_id)).toMatchObject({ name: 'Bob' })
    ada.setOnline(true)
    await waitFor('Carol found once Ada is back', () => ada.user(carol.me.user_id)?.name === 'Carol')
  })
})
