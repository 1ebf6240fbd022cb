// Three real clients against the real relay, over a socket per room (upstream WebsocketProvider) and over one mux socket.
import { afterEach, describe, expect, it } from 'vitest'
import { Fixture, TRANSPORTS, contents, lookUp, sendConfirmed, waitFor } from './helpers'

describe.each(TRANSPORTS)('messaging through the relay (%s)', transport => {
  const fixture = new Fixture(transport)
  afterEach(() => fixture.cleanup())

  const threeClients = async () => {
    const relay = await fixture.relay()
    const [ada, bob, cy] = await Promise.all([
      fixture.client(relay, 'Ada'), fixture.client(relay, 'Bob'), fixture.client(relay, 'Cy')
    ])
    for (const client of [ada, bob, cy]) expect(await client.whenSynced()).toBe(true)
    return { relay, ada, bob, cy }
  }

  it('lists oneself, whoever one looked up and one\'s contacts, by name, with their keys; nobody else', async () => {
    const { ada, bob, cy } = await threeClients()
    expect(ada.users().map(user => user.name)).toEqual(['Ada'])
    expect(ada.user(bob.me.user_id)).toBeNull()

    expect(await lookUp(ada, bob)).toMatchObject({ name: 'Bob', public_key: bob.me.public_key })
    expect(ada.users().map(user => user.name)).toEqual(['Ada', 'Bob'])
    // Being looked up tells Bob nothing: Ada is still a stranger to him.
    expect(bob.user(ada.me.user_id)).toBeNull()

    // Cy writes to Bob: each is now the other's contact, whom neither looked up.
    await sendConfirmed(await cy.openDirect(bob.me.user_id), ['hi Bob'])
    await waitFor('Bob knows Cy, who wrote to him', () => bob.user(cy.me.user_id))
    expect(bob.user(cy.me.user_id)?.public_key).toBe(cy.me.public_key)
    expect(bob.users().map(user => user.name)).toEqual(['Bob', 'Cy'])
    await waitFor('Cy knows Bob, whom she wrote to', () => cy.users().length === 2)
    expect(cy.users().map(user => user.name)).toEqual(['Bob', 'Cy'])
    expect(ada.users().map(user => user.name)).toEqual(['Ada', 'Bob'])
    expect(bob.user(ada.me.user_id)).toBeNull()
  })

  it('delivers direct messages in real time, to the two people only', async () => {
    const { ada, bob, cy } = await threeClients()
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    expect(adaSide.room).toBe(bobSide.room)

    await adaSide.send('hi Bob')
    await waitFor('Bob receives', async () => (await contents(bobSide)).includes('hi Bob'))
    await bobSide.send('hi Ada')
    await waitFor('Ada receives the reply', async () => (await contents(adaSide)).join() === 'hi Bob,hi Ada')

    const [message] = (await bobSide.history({ limit: 1 })).messages
    expect(message).toMatchObject({ sender_id: bob.me.user_id, receiver_id: ada.me.user_id, group_id: null, deleted_at: null })

    // Cy's direct conversation with Ada is another room altogether.
    const cySide = await cy.openDirect(ada.me.user_id)
    expect(cySide.room).not.toBe(adaSide.room)
    expect(await contents(cySide)).toEqual([])
  })

  it('delivers group messages to every member', async () => {
    const { ada, bob, cy } = await threeClients()
    const group = await ada.createGroup({ name: 'Trio', user_ids: [bob.me.user_id, cy.me.user_id] })
    await waitFor('the group reaches Bob and Cy', () => bob.groups().length === 1 && cy.groups().length === 1)
    expect(cy.group(group.group_id)?.name).toBe('Trio')

    const conversations = await Promise.all([ada, bob, cy].map(client => client.openGroup(group.group_id)))
    await conversations[0]!.send('from Ada')
    await conversations[1]!.send('from Bob')
    await conversations[2]!.send('from Cy')
    for (const conversation of conversations) {
      await waitFor('all three messages everywhere', async () => (await contents(conversation)).length === 3)
    }
    const [first] = (await conversations[1]!.history({ limit: 3 })).messages.reverse()
    expect(first).toMatchObject({ group_id: group.group_id, receiver_id: null })
  })

  it('propagates renames and membership changes, and only admins may make them', async () => {
    const { ada, bob, cy } = await threeClients()
    const group = await ada.createGroup({ name: 'Pair', user_ids: [bob.me.user_id] })
    await waitFor('Bob sees the group', () => bob.group(group.group_id))
    expect(() => bob.renameGroup(group.group_id, 'Mine now')).toThrow(/admin/)

    ada.renameGroup(group.group_id, 'Trio')
    ada.addMembers(group.group_id, [cy.me.user_id])
    await waitFor('Cy is a member of Trio', () => cy.groups().some(g => g.name === 'Trio'))

    ada.removeMembers(group.group_id, [bob.me.user_id])
    await waitFor('Bob no longer lists the group', () => bob.groups().length === 0)

    expect(() => cy.deleteGroup(group.group_id)).toThrow(/admin/)
    ada.deleteGroup(group.group_id)
    await waitFor('the deleted group is hidden for everyone', () => cy.groups().length === 0 && cy.group(group.group_id) === null)
    expect(ada.groups()).toEqual([])
  })

  it('propagates edits and deletes, and only the sender may make them', async () => {
    const { ada, bob } = await threeClients()
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    const sent = await adaSide.send('helo')
    await waitFor('Bob receives', async () => (await contents(bobSide)).includes('helo'))
    await expect(bobSide.edit(sent.message_id, 'forged')).rejects.toThrow(/only the sender/)

    const edited = await adaSide.edit(sent.message_id, 'hello')
    expect(edited.updated_at >= sent.updated_at).toBe(true)
    await waitFor('Bob sees the edit', async () => (await contents(bobSide)).join() === 'hello')

    await adaSide.delete(sent.message_id)
    const deleted = await waitFor('Bob sees the delete', async () => {
      const [message] = (await bobSide.history()).messages
      return message?.deleted_at ? message : null
    })
    expect(deleted).toMatchObject({ message_id: sent.message_id, content: '' })
  })

  it('shows who is online among the people one knows, following connects and disconnects', async () => {
    const { relay, ada, bob, cy } = await threeClients()
    // Bob is Ada's contact; Cy she looked up.
    await sendConfirmed(await ada.openDirect(bob.me.user_id), ['hi Bob'])
    await lookUp(ada, cy)
    await waitFor('Ada sees all three online', () => ada.online().length === 3)
    expect(ada.isOnline(bob.me.user_id)).toBe(true)

    await bob.close()
    await waitFor('Bob goes offline for Ada', () => !ada.isOnline(bob.me.user_id), 2000)

    const dan = await fixture.client(relay, 'Dan')
    await lookUp(ada, dan)
    await waitFor('Dan comes online for Ada', () => ada.isOnline(dan.me.user_id))

    dan.setOnline(false)
    await waitFor('Dan working offline is offline for Ada', () => !ada.isOnline(dan.me.user_id), 2000)
    expect(dan.online()).toEqual([])

    dan.setOnline(true)
    await waitFor('Dan back online for Ada, well before an awareness renewal', () => ada.isOnline(dan.me.user_id), 2000)
  })

})

describe('the mux socket', () => {
  const fixture = new Fixture('mux')
  afterEach(() => fixture.cleanup())

  it('holds one socket per client, however many conversations are open', async () => {
    const relay = await fixture.relay()
    const [ada, bob, cy] = await Promise.all(['Ada', 'Bob', 'Cy'].map(name => fixture.client(relay, name)))
    for (const client of [ada, bob, cy]) expect(await client!.whenSynced()).toBe(true)
    const group = await ada!.createGroup({ name: 'Trio', user_ids: [bob!.me.user_id, cy!.me.user_id] })
    await Promise.all([ada!.openDirect(bob!.me.user_id), ada!.openDirect(cy!.me.user_id), ada!.openGroup(group.group_id)])
    expect(relay.connectionCount()).toBe(3)
  })
})
