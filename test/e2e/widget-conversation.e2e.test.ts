// <parley-chat>'s attributes are live: `conversation` switches the log; a bad value, an id nobody
// has or a group one cannot see says so; with no `name` it asks for a display name first.
import { expect, test } from 'vitest'
import { conversationLog, displayNameBox, expectConversation, expectMessage, expectStatus, openUser, send, useBrowserFixture } from './harness'
import { appUserId, heardEvents, openWidget, setWidgetAttribute } from './widget-page'

const browsers = useBrowserFixture()

test('changing the conversation attribute switches the log; invalid values are explained', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([browsers.joined(relay, 'Alice'), browsers.joined(relay, 'Bob')])
  const [aliceId, bobId] = await Promise.all([appUserId(alice.page), appUserId(bob.page)])

  // No name attribute: the widget asks for one, like the app's first visit.
  const dave = await browsers.person()
  const widget = await openWidget(dave, relay, { conversation: `user:${aliceId}` })
  await displayNameBox(widget).fill('Dave')
  await widget.getByRole('button', { name: 'Join', exact: true }).click()
  await expectStatus(widget, ['Connected'])

  await send(widget, 'a question for Alice')
  await openUser(alice.page, 'Dave')
  await send(alice.page, 'Alice here, ask away')
  await expectConversation(widget, [{ from: 'Dave', text: 'a question for Alice' }, { from: 'Alice', text: 'Alice here, ask away' }])

  await setWidgetAttribute(widget, 'conversation', `user:${bobId}`)
  await send(widget, 'a question for Bob')
  await expectConversation(widget, [{ from: 'Dave', text: 'a question for Bob' }])
  await openUser(bob.page, 'Dave')
  await expectMessage(bob.page, 'Dave', 'a question for Bob')
  await send(bob.page, 'Bob here')
  await expectConversation(widget, [{ from: 'Dave', text: 'a question for Bob' }, { from: 'Bob', text: 'Bob here' }])
  expect(await conversationLog(widget).getByText('Alice here, ask away').count()).toBe(0)

  // A reply in the conversation not shown fires no event; switching back shows it.
  await send(alice.page, 'still there?')
  await setWidgetAttribute(widget, 'conversation', `user:${aliceId}`)
  await expectConversation(widget, [
    { from: 'Dave', text: 'a question for Alice' },
    { from: 'Alice', text: 'Alice here, ask away' },
    { from: 'Alice', text: 'still there?' }
  ])
  expect((await heardEvents(widget)).map(event => `${event.type}: ${event.content}`)).toEqual([
    'parley-message-sent: a question for Alice',
    'parley-message-received: Alice here, ask away',
    'parley-message-sent: a question for Bob',
    'parley-message-received: Bob here'
  ])

  // Values that name no conversation one can open are explained instead of a log.
  const problem = widget.getByRole('alert')
  await setWidgetAttribute(widget, 'conversation', 'support')
  await expect.poll(() => problem.innerText()).toContain('is not a conversation')
  expect(await conversationLog(widget).count()).toBe(0)
  // NOTE: said only once the relay answered: a person after looking them up, a group after the
  // widget's own room synced and the group had its chance to load (GROUP_WAIT_MS).
  await setWidgetAttribute(widget, 'conversation', 'user:AAAAAAAAAAAAAAAAAAAAAA')
  await expect.poll(() => problem.innerText(), { timeout: 10_000 }).toContain('There is no Parley user with this id.')
  expect(await conversationLog(widget).count()).toBe(0)
  await setWidgetAttribute(widget, 'conversation', 'group:AAAAAAAAAAAAAAAAAAAAAA')
  await expect.poll(() => problem.innerText()).toContain('Waiting for this group to arrive from the relay')
  await expect.poll(() => problem.innerText(), { timeout: 10_000 }).toContain('This group doesn\'t exist, or you are not a member.')
  await setWidgetAttribute(widget, 'conversation', null)
  await expect.poll(() => problem.innerText()).toContain('No conversation chosen')
})
