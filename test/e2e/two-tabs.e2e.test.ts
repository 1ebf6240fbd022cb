// Two tabs of one browser are one person: both show what arrives, and reading in one clears the
// unread count in the other.
import { expect, test } from 'vitest'
import {
  appStarted,
  expectConversation,
  expectMessage,
  expectPresence,
  expectUnread,
  findAndOpen,
  openUser,
  previewOf,
  send,
  useBrowserFixture
} from './harness'

const browsers = useBrowserFixture()

test("Bob's messages reach both of Alice's tabs; reading in one tab clears the unread count in the other", async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([browsers.joined(relay, 'Alice'), browsers.joined(relay, 'Bob')])
  const tab1 = alice.page
  // A second page of the same browser context: the same identity and IndexedDB, no join form.
  const tab2 = await alice.context.newPage()
  await tab2.goto(relay.url)
  expect(await appStarted(tab2)).toBe('conversations')

  // Bob finds Alice and writes. Neither tab has his conversation open: both count his message as
  // unread, with its preview, and show him online (he is one of Alice's people now).
  await findAndOpen(bob.page, 'Alice')
  await send(bob.page, 'are you free for lunch?')
  await expectUnread(tab1, 'Bob', 1)
  await expectUnread(tab2, 'Bob', 1)
  await expectPresence(tab1, 'Bob', 'online')
  await expectPresence(tab2, 'Bob', 'online')
  await expect.poll(() => previewOf(tab2, 'Bob'), { timeout: 10_000, message: 'the entry describes itself with the last message' }).toBe('are you free for lunch?')

  // Alice reads it in tab 1, the tab in front; tab 2 learns that it is read.
  await tab1.bringToFront()
  await openUser(tab1, 'Bob')
  await expectMessage(tab1, 'Bob', 'are you free for lunch?')
  await expectUnread(tab1, 'Bob', 0)
  await expectUnread(tab2, 'Bob', 0)

  // With the conversation open in both tabs, a new message shows in both, and so does Alice's
  // reply from tab 2 (and Bob gets it).
  await tab2.bringToFront()
  await openUser(tab2, 'Bob')
  await send(bob.page, 'the usual place at noon')
  await send(tab2, 'yes, see you there')
  const conversation = [
    { from: 'Bob', text: 'are you free for lunch?' },
    { from: 'Bob', text: 'the usual place at noon' },
    { from: 'Alice', text: 'yes, see you there' }
  ]
  await expectConversation(tab1, conversation)
  await expectConversation(tab2, conversation)
  await expectConversation(bob.page, conversation)
})
