// Offline: messages written without a network show at once, and reach the other person exactly
// once, in order, when the network comes back.
import { test } from 'vitest'
import {
  expectAbsentFor,
  expectConversation,
  expectMessage,
  expectPresence,
  expectStatus,
  send,
  useBrowserFixture
} from './harness'

const browsers = useBrowserFixture()

test('Alice writes three messages offline; Bob gets them once, in order, when she is back online', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'about to board the train')
  await expectMessage(bob.page, 'Alice', 'about to board the train')
  await expectStatus(alice.page, ['Connected'])

  await alice.context.setOffline(true)
  // NOTE: Chromium's offline mode freezes an open WebSocket (nothing passes either way) rather
  // than closing it, as a dropped network does: only the app's own reaction to the browser
  // going offline can turn the status, and the relay cannot tell at once that Alice is gone.
  await expectStatus(alice.page, ['Offline', 'Connecting'])

  const offline = ['in the tunnel now', 'still no signal', 'nearly there']
  for (const text of offline) {
    await send(alice.page, text)
    // Shown on Alice's side at once, without the relay.
    await expectMessage(alice.page, 'Alice', text, 2000)
  }
  await expectAbsentFor(bob.page, offline, 1500)

  await alice.context.setOffline(false)
  await expectStatus(alice.page, ['Connected'], 15_000)
  const conversation = [
    { from: 'Alice', text: 'about to board the train' },
    ...offline.map(text => ({ from: 'Alice', text }))
  ]
  await expectConversation(bob.page, conversation, 15_000)
  await expectConversation(alice.page, conversation)
  await expectPresence(bob.page, 'Alice', 'online')
})
