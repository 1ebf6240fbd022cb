// A group of three made through the "New group" dialog: everyone receives everyone's messages.
import { test } from 'vitest'
import { createGroup, expectConversation, expectMessage, findAndOpen, openGroup, send, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('Alice creates a group with Bob and Carol; all three receive all messages', async () => {
  const relay = await browsers.relay()
  const [alice, bob, carol] = await Promise.all([
    browsers.joined(relay, 'Alice'),
    browsers.joined(relay, 'Bob'),
    browsers.joined(relay, 'Carol')
  ])
  // The dialog offers a checkbox per person Alice knows: she finds both first.
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(alice.page, 'Carol')

  await createGroup(alice.page, 'Hiking club', ['Bob', 'Carol'])
  await openGroup(alice.page, 'Hiking club')
  await send(alice.page, 'saturday at eight, at the trailhead?')

  await openGroup(bob.page, 'Hiking club')
  await expectMessage(bob.page, 'Alice', 'saturday at eight, at the trailhead?')
  await send(bob.page, 'count me in')

  await openGroup(carol.page, 'Hiking club')
  await expectMessage(carol.page, 'Bob', 'count me in')
  await send(carol.page, 'I will bring the map')

  const conversation = [
    { from: 'Alice', text: 'saturday at eight, at the trailhead?' },
    { from: 'Bob', text: 'count me in' },
    { from: 'Carol', text: 'I will bring the map' }
  ]
  for (const person of [alice, bob, carol]) await expectConversation(person.page, conversation)
})
