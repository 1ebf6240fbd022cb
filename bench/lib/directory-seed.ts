// A relay of many people and groups as protocol v2 stores it, and protocol v1's directory of the same people, for the first-open benchmark.
import * as Y from 'yjs'
import { signActivityOf, type StoredActivity } from '../../client/conversation/own-writes'
import { createIdentity, type Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import type { Group, User } from '../../shared/model'
import {
  conversationRoom, directConversation, groupConversation, profileRoom, userRoom, type ConversationRef
} from '../../shared/protocol'
import {
  conversationActivity, conversationBuckets, directoryGroupsOfV1, directoryUsersOfV1, groupRecord, userConversations
} from '../../shared/schema'
import { mapEntryUpdate } from './crafted-update'
import type { StoreSeed } from './store-file'
import { clientIdOf, fillerGroup, fillerProfile, nameOf } from './directory-people'

/** Direct conversations of the person who opens Parley, and their groups (each of GROUP_SIZE with them). */
export const DIRECT_PEERS = 20
export const OWN_GROUPS = 5
export const GROUP_SIZE = 8

/** One conversation of the opening person's: its room, and its index as stored. */
interface WorldConversation {
  room: string
  update: Uint8Array
}

/**
 * The person who opens Parley on a new device, and what they have: 20 direct conversations and
 * 5 groups of 8, each with a last message signed by its sender. Real key pairs (activity entries
 * are verified by the client); the rest of the relay's people are filler nobody holds a key of.
 */
export interface World {
  me: Identity
  /** Everyone the person shares a conversation with: the 20 peers, then the groups' 35 others. */
  contacts: Identity[]
  groups: Group[]
  conversations: WorldConversation[]
  /** What a complete sidebar shows: people known (oneself included), groups, conversations with a last message. */
  expected: { users: number; groups: number; conversations: number }
}

const AT = (minutes: number): string => new Date(Date.UTC(2025, 11, 1) + minutes * 60_000).toISOString()

const userOf = (identity: Identity, name: string): User =>
  ({ user_id: identity.user_id, name, public_key: identity.public_key, created_at: AT(0), updated_at: AT(0), deleted_at: null })

/** A sender's signed activity entry: `count` messages, the last of them at `minute`. */
const activityOf = (sender: Identity, room: string, ref: ConversationRef, count: number, minute: number): Promise<StoredActivity> =>
  signActivityOf(sender, room, {
    message_id: randomId(), sender_id: sender.user_id,
    receiver_id: null, group_id: ref.kind === 'group' ? ref.group_id : null,
    content: `see you at ${minute % 24}:00, bring the notes`, created_at: AT(minute), updated_at: AT(minute), deleted_at: null
  }, count)

/** A conversation's index as its people wrote it: bucket 0, and each sender's activity entry (from their own device). */
const indexUpdate = (entries: ReadonlyArray<{ sender: Identity; client: number; activity: StoredActivity }>, record?: { group: Group; client: number }): Uint8Array => {
  const doc = new Y.Doc()
  if (record) {
    doc.clientID = record.client
    doc.transact(() => groupRecord(doc).set(record.group.group_id, record.group))
  }
  for (const { sender, client, activity } of entries) {
    doc.clientID = client
    doc.transact(() => {
      if (conversationBuckets(doc).size === 0) conversationBuckets(doc).set('0', { created_at: AT(0) })
      conversationActivity(doc).set(sender.user_id, activity)
    })
  }
  return Y.encodeStateAsUpdate(doc)
}

let worldPromise: Promise<World> | null = null

/** The opening person's world, made once per run (key pairs and signatures: ~0.2 s). Extractable keys: a browser page opens as them. */
export const openingWorld = (): Promise<World> => {
  worldPromise ??= buildWorld()
  return worldPromise
}

const buildWorld = async (): Promise<World> => {
  const me = await createIdentity({ extractable: true })
  const contacts: Identity[] = []
  for (let i = 0; i < DIRECT_PEERS + OWN_GROUPS * (GROUP_SIZE - 1); i++) contacts.push(await createIdentity())
  const client = (identity: Identity) => clientIdOf(1_000_000 + contacts.indexOf(identity) + 1)
  const conversations: WorldConversation[] = []
  for (const [i, peer] of contacts.slice(0, DIRECT_PEERS).entries()) {
    const ref = directConversation(me.user_id, peer.user_id)
    const room = conversationRoom(ref)
    conversations.push({
      room,
      update: indexUpdate([
        { sender: peer, client: client(peer), activity: await activityOf(peer, room, ref, 40 + i, 600 + 7 * i) },
        { sender: me, client: client(me), activity: await activityOf(me, room, ref, 35 + i, 590 + 7 * i) }
      ])
    })
  }
  const groups: Group[] = []
  for (let g = 0; g < OWN_GROUPS; g++) {
    const members = contacts.slice(DIRECT_PEERS + g * (GROUP_SIZE - 1), DIRECT_PEERS + (g + 1) * (GROUP_SIZE - 1))
    const group: Group = {
      group_id: randomId(), name: `team ${g}`, user_ids: [me.user_id, ...members.map(member => member.user_id)], admin_ids: [members[0]!.user_id],
      created_by: members[0]!.user_id, created_at: AT(0), updated_at: AT(0), deleted_at: null
    }
    groups.push(group)
    const ref = groupConversation(group.group_id)
    const room = conversationRoom(ref)
    // Three members have written there; the creator's record came first.
    const senders = [members[0]!, members[1]!, me]
    const entries = await Promise.all(senders.map(async (sender, k) => ({ sender, client: client(sender), activity: await activityOf(sender, room, ref, 10 + k, 500 + 11 * g + k) })))
    conversations.push({ room, update: indexUpdate(entries, { group, client: client(members[0]!) }) })
  }
  return { me, contacts, groups, conversations, expected: { users: 1 + contacts.length, groups: OWN_GROUPS, conversations: conversations.length } }
}

/** A profile room as its owner's device wrote it (`profileRecord`'s root). */
const profileUpdate = (user: User, client: number): Uint8Array => mapEntryUpdate('profile', user.user_id, user, client)

/** A group's index room holding its record only (nobody has written there yet), as its creator wrote it (`groupRecord`'s root). */
const groupUpdate = (group: Group, client: number): Uint8Array => mapEntryUpdate('group', group.group_id, group, client)

/** The world's people first, named as people are, then `count` filler profiles. */
const worldProfiles = (world: World): Array<{ user: User; client: number }> =>
  [world.me, ...world.contacts].map((identity, i) => ({ user: userOf(identity, nameOf(10_000_000 + i)), client: clientIdOf(1_000_000 + i) }))

/** Filler people of a relay of `people` in all (the world's included), made once per size. */
const fillerCache = new Map<number, User[]>()
export const fillerPeople = (world: World, people: number): User[] => {
  const count = Math.max(0, people - 1 - world.contacts.length)
  let filler = fillerCache.get(count)
  if (!filler) {
    filler = Array.from({ length: count }, (_, i) => fillerProfile(i))
    fillerCache.set(count, filler)
  }
  return filler
}

/** Filler groups of a relay of `groups` in all (the world's included), members among the filler people. */
const fillerGroups = (world: World, filler: readonly User[], groups: number): Array<{ group: Group; client: number }> =>
  Array.from({ length: Math.max(0, groups - world.groups.length) }, (_, g) => {
    const { group, creator } = fillerGroup(g, GROUP_SIZE, filler)
    return { group, client: clientIdOf(creator) }
  })

/**
 * A v2 relay of `people` people and `groups` groups of 8: every profile in its room and in the
 * people index's records (`people/<user_id>`, as relay/people/people-directory.ts keeps them);
 * every group's record in its index room; the opening person's own rooms, conversations and
 * groups. NOTE: filler people's own rooms (which list their groups) are left out: a relay holds
 * them, but nobody opens someone else's, and the store hands out rooms one by one.
 */
export const v2StoreSeed = (world: World, people: number, groups: number): StoreSeed => {
  const rooms = new Map<string, Uint8Array>()
  for (const { user, client } of worldProfiles(world)) rooms.set(profileRoom(user.user_id), profileUpdate(user, client))
  const filler = fillerPeople(world, people)
  filler.forEach((user, i) => rooms.set(profileRoom(user.user_id), profileUpdate(user, clientIdOf(i))))
  for (const { group, client } of fillerGroups(world, filler, groups)) rooms.set(conversationRoom(groupConversation(group.group_id)), groupUpdate(group, client))
  for (const { room, update } of world.conversations) rooms.set(room, update)
  // The opening person's own room, as their first device and the relay left it: every conversation listed.
  const own = new Y.Doc()
  own.clientID = clientIdOf(1_000_000)
  own.transact(() => { for (const { room } of world.conversations) userConversations(own).set(room, { added_at: AT(1) }) })
  rooms.set(userRoom(world.me.user_id), Y.encodeStateAsUpdate(own))
  return { rooms, records: peopleRecords(world, people) }
}

/** The people index's records of a relay of `people` (relay/people/people-directory.ts keeps each profile as `people/<user_id>`, its JSON). */
export const peopleRecords = (world: World, people: number): Map<string, Uint8Array> => {
  const encoder = new TextEncoder()
  const records = new Map<string, Uint8Array>()
  for (const user of [...worldProfiles(world).map(({ user }) => user), ...fillerPeople(world, people)]) {
    records.set(`people/${user.user_id}`, encoder.encode(JSON.stringify(user)))
  }
  return records
}

/**
 * Protocol v1's directory of the same relay: one document, `Y.Map('users')` of every profile and
 * `Y.Map('groups')` of every group (user_id → User, group_id → Group, as v1 wrote them), each
 * profile written from its owner's Yjs client id and each group from its creator's.
 * NOTE: one transaction: each reads the document's whole state vector, so one per profile would
 * take minutes at 100,000 client ids.
 */
export const v1Directory = (world: World, people: number, groups: number): Uint8Array => {
  const doc = new Y.Doc()
  const filler = fillerPeople(world, people)
  const ownClients = new Map<string, number>()
  doc.transact(() => {
    for (const { user, client } of worldProfiles(world)) {
      ownClients.set(user.user_id, client)
      doc.clientID = client
      directoryUsersOfV1(doc).set(user.user_id, user)
    }
    filler.forEach((user, i) => {
      doc.clientID = clientIdOf(i)
      directoryUsersOfV1(doc).set(user.user_id, user)
    })
    for (const group of world.groups) {
      doc.clientID = ownClients.get(group.created_by)!
      directoryGroupsOfV1(doc).set(group.group_id, group)
    }
    for (const { group, client } of fillerGroups(world, filler, groups)) {
      doc.clientID = client
      directoryGroupsOfV1(doc).set(group.group_id, group)
    }
  })
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}
