// One's own messages can be edited and deleted, and the other side sees it; others' cannot.
import { expect, test } from 'vitest'
import {
  conversationLog,
  expectConversation,
  expectMessage,
  messageItem,
  saidIn,
  send,
  useBrowserFixture
} from './harness'

const browsers = useBrowserFixture()

test('Alice edits one message and deletes another; Bob sees both, and cannot edit or delete hers', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'dinner at six?')
  await send(alice.page, 'I will bring the cake')
  await expectConversation(bob.page, [
    { from: 'Alice', text: 'dinner at six?' },
    { from: 'Alice', text: 'I will bring the cake' }
  ])

  // Edit with the keyboard: focus the message's Edit button, Enter; the editor takes the focus;
  // Enter saves. (While it is edited, the message shows its text only inside the editor: the one
  // editor of the log is found by its name.)
  await messageItem(alice.page, 'dinner at six?').getByRole('button', { name: 'Edit', exact: true }).focus()
  await alice.page.keyboard.press('Enter')
  const editor = conversationLog(alice.page).getByRole('textbox', { name: 'Edited text', exact: true })
  await editor.waitFor({ state: 'visible' })
  expect(await editor.inputValue()).toBe('dinner at six?')
  await editor.fill('dinner at seven?')
  await editor.press('Enter')
  await editor.waitFor({ state: 'hidden' })
  await expectMessage(alice.page, 'Alice', 'dinner at seven?')
  await expectMessage(bob.page, 'Alice', 'dinner at seven?')
  await messageItem(bob.page, 'dinner at seven?').getByText('(edited)').waitFor({ state: 'visible' })

  // A second edit, by click, cancelled with Escape: the text stays as it was.
  await messageItem(alice.page, 'dinner at seven?').getByRole('button', { name: 'Edit', exact: true }).click()
  expect(await editor.inputValue()).toBe('dinner at seven?')
  await editor.fill('dinner at eight?')
  await editor.press('Escape')
  await editor.waitFor({ state: 'hidden' })
  await expectMessage(alice.page, 'Alice', 'dinner at seven?')

  // Delete: the message stays in its place, shown as deleted, its words gone, on both sides.
  await messageItem(alice.page, 'I will bring the cake').getByRole('button', { name: 'Delete', exact: true }).click()
  const texts = ['dinner at six?', 'dinner at seven?', 'dinner at eight?', 'I will bring the cake', 'Message deleted']
  const after = [
    { from: 'Alice', text: 'dinner at seven?' },
    { from: 'Alice', text: 'Message deleted' }
  ]
  for (const page of [alice.page, bob.page]) {
    await expect.poll(() => saidIn(page, texts, ['Alice', 'Bob']), {
      timeout: 10_000,
      interval: 100,
      message: 'the edited message and the deleted one, and nothing of the old or cancelled words'
    }).toEqual(after)
  }
  // Deleted and edited messages offer nothing more to do to their author.
  await expect.poll(() => messageItem(alice.page, 'Message deleted').getByRole('button').count()).toBe(0)

  // Bob's own message has Edit and Delete; Alice's messages have neither for him.
  await send(bob.page, 'lovely, see you')
  const own = messageItem(bob.page, 'lovely, see you')
  await own.getByRole('button', { name: 'Edit', exact: true }).waitFor({ state: 'attached' })
  expect(await own.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(1)
  const log = conversationLog(bob.page)
  expect(await log.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(1)
  expect(await log.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(1)
  for (const text of ['dinner at seven?', 'Message deleted']) {
    expect(await messageItem(bob.page, text).getByRole('button').count(), `buttons on Alice's "${text}" for Bob`).toBe(0)
  }
})
