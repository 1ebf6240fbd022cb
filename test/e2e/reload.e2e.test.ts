// A reload is the same person with the same history: the identity and messages live in IndexedDB.
import { expect, test } from 'vitest'
import {
  appStarted,
  displayNameBox,
  expectConversation,
  expectMessage,
  expectPresence,
  openUser,
  send,
  useBrowserFixture,
  userEntry
} from './harness'

const browsers = useBrowserFixture()

test('after a reload Alice is still Alice, with her history, and Bob sees one Alice', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'did you water the plants?')
  await expectMessage(bob.page, 'Alice', 'did you water the plants?')
  await send(bob.page, 'yes, both of them')
  const before = [
    { from: 'Alice', text: 'did you water the plants?' },
    { from: 'Bob', text: 'yes, both of them' }
  ]
  await expectConversation(alice.page, before)

  await alice.page.reload()
  expect(await appStarted(alice.page)).toBe('conversations')
  expect(await displayNameBox(alice.page).count()).toBe(0)
  await openUser(alice.page, 'Bob')
  await expectConversation(alice.page, before)

  // Still the same person under the same name: her new message shows as Alice's on both sides,
  // and Bob knows one Alice (a new identity would be a second entry).
  await send(alice.page, 'thank you!')
  const after = [...before, { from: 'Alice', text: 'thank you!' }]
  await expectConversation(alice.page, after)
  await expectConversation(bob.page, after)
  await expectPresence(bob.page, 'Alice', 'online')
  expect(await userEntry(bob.page, 'Alice').count()).toBe(1)
})
