// A relay restart in the middle of a conversation loses nothing, before, during or after it.
import { test } from 'vitest'
import { expectConversation, expectMessage, expectStatus, openUser, send, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('the relay restarts on the same port and data directory; both keep every message', async () => {
  const dataDir = await browsers.tempDir()
  const relay = await browsers.relay({ dataDir })
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'is the server being updated today?')
  await expectMessage(bob.page, 'Alice', 'is the server being updated today?')
  await send(bob.page, 'right now, actually')
  await expectMessage(alice.page, 'Bob', 'right now, actually')

  await relay.close()
  await expectStatus(alice.page, ['Offline', 'Connecting'])
  await expectStatus(bob.page, ['Offline', 'Connecting'])
  // Written while no relay runs: delivered after the restart.
  await send(alice.page, 'I will wait then')

  await browsers.restartRelay(relay)
  await expectStatus(alice.page, ['Connected'], 15_000)
  await expectStatus(bob.page, ['Connected'], 15_000)
  await expectMessage(bob.page, 'Alice', 'I will wait then', 15_000)
  await send(bob.page, 'done, it is back')

  const conversation = [
    { from: 'Alice', text: 'is the server being updated today?' },
    { from: 'Bob', text: 'right now, actually' },
    { from: 'Alice', text: 'I will wait then' },
    { from: 'Bob', text: 'done, it is back' }
  ]
  await expectConversation(alice.page, conversation, 15_000)
  await expectConversation(bob.page, conversation, 15_000)
})
