// After a first visit the app opens with no network at all: the service worker serves the app
// shell, and the history comes from IndexedDB.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { appStarted, expectConversation, expectMessage, expectStatus, openUser, send, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

/** Waits for the page's service worker to be active (its install, which caches the shell, done). */
const serviceWorkerActive = (page: Page, timeoutMs: number): Promise<boolean> => page.evaluate(async (timeout) => {
  if (!('serviceWorker' in navigator)) return false
  const ready = navigator.serviceWorker.ready.then(registration => registration.active !== null)
  return Promise.race([ready, new Promise<boolean>(resolve => setTimeout(() => resolve(false), timeout))])
}, timeoutMs)

test('with the network gone and the relay stopped, a reload still shows the app and the history', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'see you at the station')
  await expectMessage(bob.page, 'Alice', 'see you at the station')
  await send(bob.page, 'platform four')
  const history = [
    { from: 'Alice', text: 'see you at the station' },
    { from: 'Bob', text: 'platform four' }
  ]
  await expectConversation(alice.page, history)

  expect(await serviceWorkerActive(alice.page, 10_000), 'a service worker is active for the app after the first visit').toBe(true)

  // NOTE: the relay is stopped as well, so nothing can come from the network even if some
  // request escaped the emulated offline mode: the shell must come from the cache.
  await alice.context.setOffline(true)
  await relay.close()
  await alice.page.reload()
  expect(await appStarted(alice.page)).toBe('conversations')
  await expectStatus(alice.page, ['Offline', 'Connecting'])
  await openUser(alice.page, 'Bob')
  await expectConversation(alice.page, history)

  // A second page of the same browser opens offline too.
  const another = await alice.context.newPage()
  await another.goto(relay.url)
  expect(await appStarted(another)).toBe('conversations')
})
