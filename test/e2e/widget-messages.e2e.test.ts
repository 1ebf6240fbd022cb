// <parley-chat> on a plain page and a person in the Svelte app talk to each other, both ways;
// the widget keeps its person and history across a reload; the host page hears its events.
import { expect, test } from 'vitest'
import { expectConversation, expectMessage, expectStatus, messageBox, openUser, send, useBrowserFixture } from './harness'
import { appUserId, heardEvents, openWidget, widgetUserId } from './widget-page'

const browsers = useBrowserFixture()

test('a widget user and an app user exchange messages both ways, and the widget reloads with its history', async () => {
  const relay = await browsers.relay()
  const alice = await browsers.joined(relay, 'Alice')
  const aliceId = await appUserId(alice.page)

  // Carol is a visitor of a plain page embedding the widget: it joins with its name attribute.
  const carol = await browsers.person()
  const widget = await openWidget(carol, relay, { conversation: `user:${aliceId}`, name: 'Carol' })
  await expectStatus(widget, ['Connected'])
  const carolId = await widgetUserId(widget)

  await send(widget, 'hello, is my bike repaired yet?')
  await expectMessage(widget, 'Carol', 'hello, is my bike repaired yet?')

  // The first message from someone new lists Carol in Alice's app.
  await openUser(alice.page, 'Carol')
  await expectMessage(alice.page, 'Carol', 'hello, is my bike repaired yet?')
  await send(alice.page, 'yes, you can pick it up tomorrow')
  await expectMessage(widget, 'Alice', 'yes, you can pick it up tomorrow')

  // Shift+Enter is a new line in the widget too; Enter sends.
  const box = messageBox(widget)
  await box.fill('great')
  await box.press('Shift+Enter')
  await box.pressSequentially('thank you!')
  await box.press('Enter')
  await expect.poll(() => box.inputValue()).toBe('')

  const conversation = [
    { from: 'Carol', text: 'hello, is my bike repaired yet?' },
    { from: 'Alice', text: 'yes, you can pick it up tomorrow' },
    { from: 'Carol', text: 'great\nthank you!' }
  ]
  await expectConversation(widget, conversation)
  await expectConversation(alice.page, conversation)

  // The host page heard each of the widget's events on document: they bubble and are composed.
  await expect.poll(() => heardEvents(widget)).toEqual([
    { type: 'parley-message-sent', content: 'hello, is my bike repaired yet?', sender_id: carolId, bubbles: true, composed: true },
    { type: 'parley-message-received', content: 'yes, you can pick it up tomorrow', sender_id: aliceId, bubbles: true, composed: true },
    { type: 'parley-message-sent', content: 'great\nthank you!', sender_id: carolId, bubbles: true, composed: true }
  ])

  // A reload is the same person (identity in IndexedDB), with the history, and no join form.
  await widget.reload()
  await expectConversation(widget, conversation)
  expect(await widgetUserId(widget)).toBe(carolId)
  await expectStatus(widget, ['Connected'])
  // History shown on opening is not "received" again.
  expect(await heardEvents(widget)).toEqual([])

  // …and still talks to the app after the reload.
  await send(widget, 'see you tomorrow')
  await expectMessage(alice.page, 'Carol', 'see you tomorrow')
})
