// @vitest-environment happy-dom
// The app's view model over real offline clients: who is listed, what opens, and what the person is told.
import { flushSync } from 'svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { ParleyClient, createIdentity, type User } from '../client'
import { Hub } from '../client/testing/hub-testing'
import { openOfflineClient } from '../client/testing/offline-testing'
import { memoryStorage } from '../client/transport'
import { profileRoom } from '../shared/protocol'
import { Session } from './session.svelte'

const sessions: Session[] = []
const others: ParleyClient[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await Promise.all([...sessions.splice(0).map(session => session.close()), ...others.splice(0).map(client => client.close())])
})

/** Ada's session, with a handle on her documents to bring in what a relay would. */
const openAda = async () => {
  const { client, doc } = await openOfflineClient()
  const session = new Session(client)
  sessions.push(session)
  session.setName('Ada')
  return { session, doc }
}

/** Someone else with a profile, whom Ada looks up: their profile reaches her as it would through the relay. */
const meet = async ({ session, doc: adaDoc }: { session: Session; doc: (room: string) => Y.Doc }, name: string): Promise<ParleyClient> => {
  const { client, doc } = await openOfflineClient()
  others.push(client)
  client.setProfile({ name })
  const room = profileRoom(client.me.user_id)
  await session.client.lookUp(client.me.user_id)
  Y.applyUpdate(adaDoc(room), Y.encodeStateAsUpdate(doc(room)))
  return client
}

/** Someone's profile as the relay's search would give it, without their profile room reaching this device. */
const stranger = async (name: string): Promise<User> => {
  const { client } = await openOfflineClient()
  others.push(client)
  return client.setProfile({ name })
}

/** What a component reading `read()` renders each time it re-runs. */
const renders = <T>(read: () => T): T[] => {
  const seen: T[] = []
  cleanups.push($effect.root(() => { $effect(() => { seen.push(read()) }) }))
  flushSync()
  return seen
}

describe('Session', () => {
  it('has no profile until the person chooses a name, and shows it once chosen', async () => {
    const { client } = await openOfflineClient()
    const session = new Session(client)
    sessions.push(session)
    const names = renders(() => session.profile?.name ?? null)
    session.setName('Ada')
    flushSync()
    expect(names).toEqual([null, 'Ada'])
    expect(session.nameOf(session.me)).toBe('Ada')
  })

  it('lists the people it knows as their profiles arrive, by name, offline while no relay says otherwise', async () => {
    const ada = await openAda()
    const { session } = ada
    const listed = renders(() => session.userEntries.map(entry => entry.user.name))
    await meet(ada, 'Carol')
    await meet(ada, 'Bob')
    flushSync()
    expect(listed.at(-1)).toEqual(['Bob', 'Carol'])
    expect(session.userEntries.every(entry => !entry.online)).toBe(true)
    expect(session.others.map(user => user.name).sort()).toEqual(['Bob', 'Carol'])
  })

  it('puts the person one last wrote to first, with the message in their entry', async () => {
    const ada = await openAda()
    const { session } = ada
    await meet(ada, 'Bob')
    const carol = await meet(ada, 'Carol')
    expect(session.userEntries.map(entry => entry.user.name)).toEqual(['Bob', 'Carol'])

    await session.open({ kind: 'direct', user_id: carol.me.user_id })
    await session.view!.send('hello Carol')
    await vi.waitFor(() => expect(session.userEntries.map(entry => entry.user.name)).toEqual(['Carol', 'Bob']))
    expect(session.userEntries[0]!.summary?.last?.preview).toBe('hello Carol')
    expect(session.summaryOf(session.view!.room)?.last?.preview).toBe('hello Carol')
  })

  it('opens a direct conversation titled with the other person\'s name, and closes it', async () => {
    const ada = await openAda()
    const { session } = ada
    const bob = await meet(ada, 'Bob')
    await session.open({ kind: 'direct', user_id: bob.me.user_id })
    expect(session.title).toBe('Bob')
    expect(session.view).not.toBeNull()
    expect(session.problem).toBeNull()

    session.closeConversation()
    expect(session.selection).toBeNull()
    expect(session.view).toBeNull()
    expect(session.title).toBe('')
  })

  it('shows the conversation picked last when an earlier pick finishes opening after it', async () => {
    const ada = await openAda()
    const { session } = ada
    const bob = await meet(ada, 'Bob')
    const carol = await meet(ada, 'Carol')
    // Bob's conversation is slow to open (its documents still loading, say).
    const openDirect = session.client.openDirect.bind(session.client)
    vi.spyOn(session.client, 'openDirect').mockImplementation(async user_id => {
      if (user_id === bob.me.user_id) await new Promise(resolve => setTimeout(resolve, 50))
      return openDirect(user_id)
    })
    const first = session.open({ kind: 'direct', user_id: bob.me.user_id })
    await session.open({ kind: 'direct', user_id: carol.me.user_id })
    await first
    expect(session.title).toBe('Carol')
    expect(session.view?.conversation.ref).toEqual({ kind: 'direct', user_ids: expect.arrayContaining([carol.me.user_id]) })
  })

  it('does not show an earlier pick\'s failure over the conversation picked after it', async () => {
    const ada = await openAda()
    const { session } = ada
    const bob = await meet(ada, 'Bob')
    const failing = session.open({ kind: 'direct', user_id: session.me })
    await session.open({ kind: 'direct', user_id: bob.me.user_id })
    await failing
    expect(session.problem).toBeNull()
    expect(session.title).toBe('Bob')
  })

  it('says why a conversation could not open', async () => {
    const { session } = await openAda()
    await session.open({ kind: 'direct', user_id: session.me })
    expect(session.view).toBeNull()
    expect(session.problem).toMatch(/another user/)
  })

  it('opens a new group as its admin, and closes it with a notice when the group is deleted', async () => {
    const ada = await openAda()
    const { session } = ada
    const bob = await meet(ada, 'Bob')
    const group = await session.createGroup('Walks', [bob.me.user_id])
    await vi.waitFor(() => expect(session.view).not.toBeNull())
    expect(session.title).toBe('Walks')
    expect(session.selectedGroup?.group_id).toBe(group.group_id)
    expect(session.isAdmin(session.selectedGroup!)).toBe(true)
    expect(session.groupEntries.map(entry => entry.group.name)).toEqual(['Walks'])

    session.deleteGroup(group.group_id)
    expect(session.selection).toBeNull()
    expect(session.view).toBeNull()
    expect(session.notice).toBe('That group was deleted, or you are no longer in it.')
    expect(session.groupEntries).toEqual([])
  })

  it('opens a conversation with someone found on the relay, titled with their name before their profile arrives, and empties the search', async () => {
    const { session } = await openAda()
    const bob = await stranger('Bob')
    vi.spyOn(session.client, 'findPeople').mockResolvedValue({ people: [bob], cursor: null })
    session.people.setQuery('bo')
    session.people.searchNow()
    await vi.waitFor(() => expect(session.people.results.people).toEqual([bob]))
    expect(session.presenceOf(bob.user_id)).toBeNull()

    await session.openPerson(bob)
    expect(session.title).toBe('Bob')
    expect(session.view?.conversation.ref).toEqual({ kind: 'direct', user_ids: expect.arrayContaining([bob.user_id]) })
    expect(session.people.query).toBe('')
    expect(session.people.searching).toBe(false)
  })

  it('once connected with a profile, lists everyone on the relay it does not know yet', async () => {
    const hub = new Hub()
    const client = await ParleyClient.open({ identity: await createIdentity(), network: hub.network(), storage: memoryStorage })
    const [bob, carol] = [await stranger('Bob'), await stranger('Carol')]
    const findPeople = vi.spyOn(client, 'findPeople').mockImplementation(async () => ({ people: [bob, carol, client.profile()!], cursor: null }))
    const session = new Session(client)
    sessions.push(session)
    // No list before the person has joined with a name.
    expect(findPeople).not.toHaveBeenCalled()
    session.setName('Ada')
    await vi.waitFor(() => expect(session.strangers.map(user => user.name)).toEqual(['Bob', 'Carol']))
    expect(findPeople).toHaveBeenCalledWith('', { cursor: null, limit: 20 })
    expect(session.people.reach).toBe('everyone')
  })

  it('opens nothing once closed', async () => {
    const ada = await openAda()
    const { session } = ada
    const bob = await meet(ada, 'Bob')
    await session.close()
    await session.open({ kind: 'direct', user_id: bob.me.user_id })
    expect(session.selection).toBeNull()
  })
})
