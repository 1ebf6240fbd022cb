// The conversation list: unread counts and last messages live in every conversation, typing, and the outbox.
import { afterEach, describe, expect, it } from 'vitest'
import { Fixture, TRANSPORTS, contents, lookUp, waitFor } from './helpers'

describe.each(TRANSPORTS)('conversation list and presence in conversations (%s)', transport => {
  const fixture = new Fixture(transport)
  afterEach(() => fixture.cleanup())

  it('shows a first direct message from someone new, unread, and read marks follow the reader to every device', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob', { storagePrefix: 'bob-laptop/' })
    const adaSide = await ada.openDirect(bob.me.user_id)
    await adaSide.send('hello Bob')
    await adaSide.send('are you there?')

    const summary = await waitFor('Bob lists the conversation with 2 unread', () =>
      bob.conversations().find(entry => entry.peer_id === ada.me.user_id && entry.unread === 2))
    expect(summary.last).toMatchObject({ sender_id: ada.me.user_id, preview: 'are you there?', deleted: false })
    expect(ada.conversations()[0]).toMatchObject({ peer_id: bob.me.user_id, unread: 0 })

    const bobSide = await bob.openDirect(ada.me.user_id)
    expect(await contents(bobSide)).toEqual(['hello Bob', 'are you there?'])
    bobSide.markRead()
    expect(bob.conversations()[0]!.unread).toBe(0)

    const phone = await fixture.client(relay, 'Bob', { identity: bob.me, storagePrefix: 'bob-phone/' })
    await waitFor('the phone lists it as read', () => phone.conversations()[0]?.unread === 0 && phone.conversations()[0]?.last)

    await adaSide.send('third')
    await waitFor('one unread on both devices', () => bob.conversations()[0]?.unread === 1 && phone.conversations()[0]?.unread === 1)
  })

  it('counts unread group messages per member, from every sender, most recent conversation first', async () => {
    const relay = await fixture.relay()
    const [ada, bob, cy] = await Promise.all(['Ada', 'Bob', 'Cy'].map(name => fixture.client(relay, name)))
    for (const client of [ada, bob, cy]) expect(await client!.whenSynced()).toBe(true)
    const group = await ada!.createGroup({ name: 'Trio', user_ids: [bob!.me.user_id, cy!.me.user_id] })
    const adaSide = await ada!.openGroup(group.group_id)
    await adaSide.send('one')
    await adaSide.send('two')
    await waitFor('Bob has 2 unread in Trio', () => bob!.conversations().find(entry => entry.group_id === group.group_id)?.unread === 2)

    const cySide = await cy!.openGroup(group.group_id)
    await cySide.send('three')
    await waitFor('Bob has 3 unread, Ada 1', () =>
      bob!.conversations()[0]?.unread === 3 && ada!.conversations()[0]?.unread === 1)
    expect(bob!.conversations()[0]!.last).toMatchObject({ sender_id: cy!.me.user_id, preview: 'three' })

    // A direct message after it puts the direct conversation on top of Bob's list.
    const direct = await cy!.openDirect(bob!.me.user_id)
    await direct.send('psst')
    await waitFor('the newest conversation first', () => bob!.conversations()[0]?.peer_id === cy!.me.user_id)
    expect(bob!.conversations().map(entry => entry.unread)).toEqual([1, 3])
  })

  it('shows the last message as edited or deleted in the list', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const message = await adaSide.send('helo')
    await waitFor('listed', () => bob.conversations()[0]?.last?.preview === 'helo')
    await adaSide.edit(message.message_id, 'hello')
    await waitFor('edited in the list', () => bob.conversations()[0]?.last?.preview === 'hello')
    await adaSide.delete(message.message_id)
    await waitFor('deleted in the list', () => bob.conversations()[0]?.last?.deleted === true)
    expect(bob.conversations()[0]!.last!.preview).toBe('')
  })

  it('shows who is typing in the open conversation, and stops when they stop or leave', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    let notified = 0
    bobSide.subscribe(() => { notified += 1 })

    adaSide.setTyping(true)
    await waitFor('Bob sees Ada typing', () => bobSide.typing().includes(ada.me.user_id))
    expect(notified).toBeGreaterThan(0)
    expect(adaSide.typing()).toEqual([])
    adaSide.setTyping(false)
    await waitFor('Ada stopped', () => bobSide.typing().length === 0)

    adaSide.setTyping(true)
    await waitFor('typing again', () => bobSide.typing().length === 1)
    await adaSide.close()
    await waitFor('Ada left the conversation', () => bobSide.typing().length === 0)
  })

  it('shows who is typing in a group, whose room the group list opened before the conversation did', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id] })
    await waitFor('Bob is told of the group', () => bob.group(group.group_id) !== null)
    const adaSide = await ada.openGroup(group.group_id)
    const bobSide = await bob.openGroup(group.group_id)
    adaSide.setTyping(true)
    await waitFor('Bob sees Ada typing', () => bobSide.typing().includes(ada.me.user_id))
  })

  it('delivers what was written offline after a reload, without reopening the conversation', async () => {
    const relay = await fixture.relay()
    const bob = await fixture.client(relay, 'Bob')
    // NOTE: a prefix per transport, so that this Ada starts from nothing the other run's Ada stored (with another relay).
    const ada = await fixture.client(relay, 'Ada', { storagePrefix: `ada-device-${transport}/` })
    await lookUp(ada, bob)
    ada.setOnline(false)
    const adaSide = await ada.openDirect(bob.me.user_id)
    for (const text of ['written', 'while', 'offline']) await adaSide.send(text)
    expect(ada.undelivered().length).toBeGreaterThan(0)
    await ada.close() // the tab is closed before the relay ever saw them

    const again = await fixture.client(relay, 'Ada', { identity: ada.me, storagePrefix: `ada-device-${transport}/` })
    await waitFor('Bob lists 3 unread from Ada', () => bob.conversations().find(entry => entry.peer_id === ada.me.user_id)?.unread === 3, 8000)
    const bobSide = await bob.openDirect(ada.me.user_id)
    expect(await contents(bobSide)).toEqual(['written', 'while', 'offline'])
    await waitFor('the outbox empties', () => again.undelivered().length === 0, 8000)
  })
})
