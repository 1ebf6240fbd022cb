// Presence: closing the app shows one as offline to others within seconds; opening it again, online.
import { expect, test } from 'vitest'
import { appStarted, expectPresence, findAndOpen, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('when Bob closes his page, Alice sees him go offline; when he comes back, online', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([browsers.joined(relay, 'Alice'), browsers.joined(relay, 'Bob')])
  // Each finds the other: one follows the presence of the people one knows.
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(bob.page, 'Alice')
  await expectPresence(alice.page, 'Bob', 'online')
  await expectPresence(bob.page, 'Alice', 'online')

  await bob.page.close()
  await expectPresence(alice.page, 'Bob', 'offline', 5000)

  // The same browser (so the same identity) opens the app again: no join form, online for Alice.
  const again = await bob.context.newPage()
  await again.goto(relay.url)
  expect(await appStarted(again)).toBe('conversations')
  await expectPresence(alice.page, 'Bob', 'online', 5000)
})
