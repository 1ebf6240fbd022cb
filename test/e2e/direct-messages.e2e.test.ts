// Two people in separate browsers exchange direct messages in real time, both ways.
import { expect, test } from 'vitest'
import { expectConversation, expectMessage, expectPresence, expectStatus, findAndOpen, messageBox, send, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('Alice and Bob exchange direct messages in real time, both ways', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([browsers.joined(relay, 'Alice'), browsers.joined(relay, 'Bob')])
  await expectStatus(alice.page, ['Connected'])
  await expectStatus(bob.page, ['Connected'])

  // Each finds the other, and both have the conversation open before anything is sent: what follows arrives live.
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(bob.page, 'Alice')
  await expectPresence(alice.page, 'Bob', 'online')
  await expectPresence(bob.page, 'Alice', 'online')

  await send(alice.page, 'good morning, how was the trip?')
  await expectMessage(alice.page, 'Alice', 'good morning, how was the trip?')
  await expectMessage(bob.page, 'Alice', 'good morning, how was the trip?')

  await send(bob.page, 'long, but the mountains were worth it', 'button')
  await expectMessage(alice.page, 'Bob', 'long, but the mountains were worth it')

  // Shift+Enter is a new line inside one message; Enter then sends it.
  const box = messageBox(alice.page)
  await box.fill('first line')
  await box.press('Shift+Enter')
  await box.pressSequentially('second line')
  expect(await box.inputValue()).toBe('first line\nsecond line')
  await box.press('Enter')
  await expect.poll(() => box.inputValue(), { timeout: 5000 }).toBe('')

  const conversation = [
    { from: 'Alice', text: 'good morning, how was the trip?' },
    { from: 'Bob', text: 'long, but the mountains were worth it' },
    { from: 'Alice', text: 'first line\nsecond line' }
  ]
  await expectConversation(alice.page, conversation)
  await expectConversation(bob.page, conversation)
})
