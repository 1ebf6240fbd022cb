// Clients of the relay keep others online between changes: past y-protocols' 30 s timeout, with no renewal forwarded, and across their own reconnections.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { Fixture, TRANSPORTS, sendConfirmed, waitFor } from './helpers'
import { spawnRelay } from './relay-process'

// NOTE: before any import runs: lib0 (and so y-protocols and y-websocket) reads the time through
// `Date.now` as it was when lib0/time was loaded. Fake time here moves with real time, and the
// test moves it further; the relay runs in its own process on real time.
vi.hoisted(() => { vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true }) })
afterAll(() => { vi.useRealTimers() })

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

describe.each(TRANSPORTS)('a client of the relay (%s)', transport => {
  /** Ada and Bob, contacts on a relay of its own process: each holds the other's profile, whose presence is their online state. */
  const contactsOnline = async () => {
    const relay = await spawnRelay({ dataDir: await fixture.tempDir() })
    fixture.defer(() => relay.stop())
    const ada = await fixture.client(relay, 'Ada', { transport })
    const bob = await fixture.client(relay, 'Bob', { transport })
    await sendConfirmed(await ada.openDirect(bob.me.user_id), ['hi Bob'])
    await waitFor('both see each other online', () => ada.isOnline(bob.me.user_id) && bob.isOnline(ada.me.user_id))
    return { ada, bob }
  }

  it('keeps others online past y-protocols\' 30 s timeout while the relay forwards no renewals', async () => {
    const { ada, bob } = await contactsOnline()
    // 45 s for the clients (each renews twice), a moment for the relay.
    const offlineAt: number[] = []
    for (let second = 0; second < 45; second++) {
      vi.advanceTimersByTime(1000)
      // Real time for the sockets: renewals go out and their echoes come back.
      await new Promise(resolve => setTimeout(resolve, 10))
      if (!bob.isOnline(ada.me.user_id) || !ada.isOnline(bob.me.user_id)) offlineAt.push(second)
    }
    // Not even for a moment (a socket closed for silence and opened again, say).
    expect(offlineAt).toEqual([])
    expect(bob.isOnline(ada.me.user_id)).toBe(true)
    expect(ada.isOnline(bob.me.user_id)).toBe(true)
    expect([ada.status, bob.status]).toEqual(['connected', 'connected'])
    await ada.close()
    await waitFor('Bob sees Ada leave', () => !bob.isOnline(ada.me.user_id), 2000)
  })
  it('shows the people it knows online again as soon as it is back from working offline', async () => {
    const { ada, bob } = await contactsOnline()
    bob.setOnline(false)
    await waitFor('Bob, offline, sees nobody online', () => bob.status === 'offline' && !bob.isOnline(ada.me.user_id))
    await waitFor('Ada sees Bob leave', () => !ada.isOnline(bob.me.user_id), 2000)
    // Ada, idle all along, sends nothing new: what Bob is told of her on reconnecting must do.
    bob.setOnline(true)
    await waitFor('Bob sees Ada online again', () => bob.isOnline(ada.me.user_id))
    await waitFor('Ada sees Bob back', () => ada.isOnline(bob.me.user_id))
  })
})
