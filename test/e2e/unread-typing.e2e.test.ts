// Unread counts in the sidebar while a conversation is not open, cleared by opening it; and
// "Bob is typing…" while Bob types, gone once he sends.
import { expect, test } from 'vitest'
import {
  expectConversation,
  expectPresence,
  expectUnread,
  findAndOpen,
  messageBox,
  openUser,
  send,
  typingNotice,
  useBrowserFixture
} from './harness'

const browsers = useBrowserFixture()

test("Bob's messages count as unread for Alice until she opens the conversation; she sees him typing until he sends", async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([browsers.joined(relay, 'Alice'), browsers.joined(relay, 'Bob')])

  // Bob finds Alice and writes; Alice has no conversation open: both messages are unread, and
  // Bob, now one of her people, shows with his presence.
  await findAndOpen(bob.page, 'Alice')
  await send(bob.page, 'guess what')
  await send(bob.page, 'I got the job!')
  await expectUnread(alice.page, 'Bob', 2)
  await expectPresence(alice.page, 'Bob', 'online')

  await openUser(alice.page, 'Bob')
  await expectConversation(alice.page, [
    { from: 'Bob', text: 'guess what' },
    { from: 'Bob', text: 'I got the job!' }
  ])
  await expectUnread(alice.page, 'Bob', 0)

  // Bob types without sending: Alice sees it (and it is not a message yet).
  const notice = typingNotice(alice.page, 'Bob')
  expect(await notice.count()).toBe(0)
  await messageBox(bob.page).pressSequentially('that is wonderful', { delay: 20 })
  await notice.waitFor({ state: 'visible' })
  expect(await notice.innerText()).toBe('Bob is typing…')

  // He sends: the notice goes at once, well before the typing signal would lapse by itself
  // (3 s after the last keystroke), and the message arrives.
  await messageBox(bob.page).pressSequentially(' news', { delay: 20 })
  await send(bob.page, 'that is wonderful news')
  await notice.waitFor({ state: 'hidden', timeout: 1500 })
  await expectConversation(alice.page, [
    { from: 'Bob', text: 'guess what' },
    { from: 'Bob', text: 'I got the job!' },
    { from: 'Bob', text: 'that is wonderful news' }
  ])
})
