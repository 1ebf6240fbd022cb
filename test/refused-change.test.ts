// An honest change the relay refuses is undone on its writer's device: the room shows what everyone else sees, after a reload too, and the writer is told.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createIdentity } from '../shared/identity'
import type { Group, User } from '../shared/model'
import { LOCAL_ORIGIN } from '../shared/origin'
import { conversationRoom, groupConversation, profileRoom } from '../shared/protocol'
import { groupRecord, profileRecord } from '../shared/schema'
import { ParleyClient, type DirectoryChange } from '../client/parley'
import { indexeddbStorage } from '../client/storage/indexeddb-storage'
import type { Replica } from '../client/replica'
import type { GroupBook } from '../client/views/group-book'
import { offlineNetwork } from '../client/transport'
import { Fixture, waitFor } from './helpers'
import { relayDoc } from './hand-socket'
import type { Relay } from '../relay/server'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/**
 * Writes into a client's copy of its own profile room below its API (what another version of the
 * app, or a client that checks less, would write): the SDK writes only profiles it can parse.
 */
const writeOwnProfile = (client: ParleyClient, write: (doc: Y.Doc) => void): void => {
  const profile = (client as unknown as { ownProfile: Replica }).ownProfile
  profile.doc.transact(() => write(profile.doc), LOCAL_ORIGIN)
}

/**
 * Writes a group's record into a client's copy of the group's room, below its API, as
 * writeOwnProfile does: the SDK has no call that makes someone an admin.
 */
const writeGroup = (client: ParleyClient, group: Group): void => {
  const replica = (client as unknown as { groupBook: GroupBook }).groupBook.replicaOf(group.group_id)
  if (replica === null) throw new Error(`the client has no room for group ${group.group_id}`)
  replica.doc.transact(() => groupRecord(replica.doc).set(group.group_id, group), LOCAL_ORIGIN)
}

const groupOnRelay = async (relay: Relay, group_id: string): Promise<Group> =>
  groupRecord(await relayDoc(relay, conversationRoom(groupConversation(group_id)))).get(group_id) as Group

/** What a device stores, read with no relay at all. */
const openStored = async (identity: ParleyClient['me'], prefix: string): Promise<ParleyClient> => {
  const client = await ParleyClient.open({ identity, network: offlineNetwork, storage: indexeddbStorage({ prefix }) })
  fixture.defer(() => client.close())
  return client
}

describe('a change the relay refuses is undone on the device that made it', () => {
  it('an admin removed while offline renames the group: refused, and their copy shows the name everyone sees, after a restart too', async () => {
    const relay = await fixture.relay()
    const bobIdentity = await createIdentity()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob', { identity: bobIdentity, storagePrefix: 'bob/' })
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id] })
    const room = conversationRoom(groupConversation(group.group_id))
    writeGroup(ada, { ...group, admin_ids: [ada.me.user_id, bob.me.user_id] })
    await waitFor('Bob is an admin', () => bob.group(group.group_id)?.admin_ids.includes(bob.me.user_id))

    const changes: DirectoryChange[] = []
    bob.subscribe(change => changes.push(change))
    bob.setOnline(false)
    await waitFor('Bob is offline', () => bob.status !== 'connected')
    const current = ada.group(group.group_id)!
    writeGroup(ada, { ...current, admin_ids: [ada.me.user_id], updated_at: new Date().toISOString() })
    await waitFor('the relay has Bob removed as admin', async () => (await groupOnRelay(relay, group.group_id)).admin_ids.length === 1)
    bob.renameGroup(group.group_id, 'Bob\'s team')
    expect(bob.group(group.group_id)?.name).toBe('Bob\'s team')

    bob.setOnline(true)
    await waitFor('Bob\'s copy is rebuilt', () => bob.lastReverted)
    expect(bob.lastReverted).toEqual({
      room,
      reason: 'not-an-admin',
      subject: { kind: 'group', group_id: group.group_id, name: 'Team' }
    })
    expect(changes).toContain('rejected')
    expect(changes).toContain('reverted')
    expect(bob.group(group.group_id)).toMatchObject({ name: 'Team', admin_ids: [ada.me.user_id] })
    expect(bob.groups().map(known => known.name)).toEqual(['Team'])
    expect(ada.group(group.group_id)?.name).toBe('Team')

    // The rebuilt room goes on: Bob's next write there (his message's entry in the group's activity) reaches Ada, and Ada's changes reach Bob.
    await (await bob.openGroup(group.group_id)).send('still in')
    await waitFor('Ada sees Bob\'s message in her list', () =>
      ada.conversations().find(summary => summary.group_id === group.group_id)?.last?.preview === 'still in')
    ada.renameGroup(group.group_id, 'Team 2')
    await waitFor('Bob sees Ada\'s rename', () => bob.group(group.group_id)?.name === 'Team 2')
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(changes.filter(change => change === 'rejected')).toHaveLength(1)

    // What the device stores is what everyone sees: read alone, then with the relay.
    await bob.close()
    const stored = await openStored(bobIdentity, 'bob/')
    await waitFor('the stored group is read', () => stored.group(group.group_id))
    expect(stored.group(group.group_id)).toMatchObject({ name: 'Team 2', admin_ids: [ada.me.user_id] })
    await stored.close()
    const again = await fixture.client(relay, 'Bob', { identity: bobIdentity, storagePrefix: 'bob/' })
    await again.whenSynced()
    await waitFor('the group is read again', () => again.group(group.group_id))
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(again.group(group.group_id)?.name).toBe('Team 2')
    expect(again.lastRejection).toBeNull()
  })

  it('a profile the relay refuses (a field it does not know) is undone in one\'s profile room, and a reload shows the profile everyone sees', async () => {
    const relay = await fixture.relay()
    const bobIdentity = await createIdentity()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob', { identity: bobIdentity, storagePrefix: 'bob-profile/' })
    await waitFor('Ada looks Bob up', async () => (await ada.lookUp(bob.me.user_id))?.name === 'Bob')
    const seenByAda = new Set<string>()
    ada.subscribe(() => { const name = ada.user(bob.me.user_id)?.name; if (name) seenByAda.add(name) })

    // As a newer app would write it: a field this relay does not know, which this client's parser drops.
    const changes: DirectoryChange[] = []
    bob.subscribe(change => changes.push(change))
    const profile = bob.profile()!
    writeOwnProfile(bob, doc => profileRecord(doc).set(bob.me.user_id, { ...profile, name: 'Robert', pronouns: 'he/him' } satisfies User & { pronouns: string }))
    expect(bob.profile()?.name).toBe('Robert')
    await waitFor('Bob\'s copy is rebuilt', () => bob.lastReverted)
    expect(bob.lastReverted).toEqual({ room: profileRoom(bob.me.user_id), reason: 'unknown-field', subject: { kind: 'profile' } })
    expect(changes).toContain('rejected')
    expect(changes).toContain('reverted')
    expect(bob.profile()?.name).toBe('Bob')
    expect(profileRecord(await relayDoc(relay, profileRoom(bob.me.user_id))).get(bob.me.user_id)).toEqual(profile)
    expect(ada.user(bob.me.user_id)?.name).toBe('Bob')

    // The rebuilt room goes on: Bob's next name reaches Ada, who never saw the refused one.
    bob.setProfile({ name: 'Bobby' })
    await waitFor('Ada sees Bob\'s next name', () => ada.user(bob.me.user_id)?.name === 'Bobby')
    expect([...seenByAda]).not.toContain('Robert')

    await bob.close()
    const stored = await openStored(bobIdentity, 'bob-profile/')
    expect(stored.profile()?.name).toBe('Bobby')
  })
})
