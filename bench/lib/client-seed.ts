// Seeded histories for the client benchmarks: one direct conversation of N messages, laid out as Parley stores it and as the naive single-document log does.
import * as Y from 'yjs'
import { signActivity } from '../../shared/activity-signature'
import { createIdentity, type Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { signMessage, type UnsignedMessage } from '../../shared/message-signature'
import type { Message, User } from '../../shared/model'
import { BUCKET_CAPACITY, bucketRoom, conversationRoom, directConversation, profileRoom, userRoom, type ConversationRef } from '../../shared/protocol'
import { bucketMessages, conversationActivity, conversationBuckets, profileRecord, userConversations } from '../../shared/schema'
import { previewOf, type StoredActivity } from '../../client/conversation/own-writes'
import { naiveLog } from './client-naive'

/** The two people of the seeded conversation: Alice and Bob take turns; Bob is the one who reads. */
export interface Chat {
  readonly alice: Identity
  readonly bob: Identity
  readonly ref: ConversationRef
  /** The conversation's index room. */
  readonly room: string
  /** Public keys by user id, as a client that holds both profiles knows them. */
  readonly keys: ReadonlyMap<string, string>
}

export interface ChatSeed {
  readonly chat: Chat
  /** Messages in the history. */
  readonly size: number
  /** Parley's rooms as single stored updates: both profiles, both own rooms, the conversation's index and its buckets. */
  readonly rooms: ReadonlyMap<string, Uint8Array>
  /** Buckets of the history left out of `rooms` (only when the naive layout is not built; see buildSeed). */
  readonly omittedBuckets: number
  /** The newest message, to check that a reader got the right page. */
  readonly newest: Message
  /** The whole log as one Y.Array('log') update (the naive layout); null past NAIVE_LIMIT or when not asked for. */
  readonly naive: Uint8Array | null
}

/**
 * Only the newest this-many messages carry a signature that verifies; older ones carry a
 * well-formed signature of another message. NOTE: signing costs ~70 µs a message here (7 s at
 * 100k), and no measured path checks older ones: Parley verifies the buckets it loads (the
 * newest, to show the newest 50; the head, to write), the naive reader the 50 it shows. A
 * verify that fails costs what one that passes does. Readers assert `unverified === 0`, so a
 * path that did reach them would show up instead of being measured.
 */
export const SIGNED_TAIL = BUCKET_CAPACITY

/*
 * Every bucket is materialized when the naive layout is built too (it needs every message).
 * Otherwise (1M; 100k when the naive layout does not fit the time budget) only the index and
 * the newest bucket are: older buckets are separate rooms and IndexedDB databases that opening
 * the newest page, or writing, never touches, and building 999 of them would take minutes.
 */

/** Past this size the naive document is not built: ~35 s to build at 1M and ~9 s per load. */
export const NAIVE_LIMIT = 100_000

/** Yjs client ids of Alice's and Bob's devices (fixed, realistic 32-bit values). */
const CLIENT_IDS = [2_712_345_678, 1_934_567_890] as const

const WORDS = ('ok so the meeting moved to three can you send me the notes from yesterday thanks ' +
  'I think we should ship it on friday after the review sounds good let me check with the team ' +
  'lunch tomorrow? sure where the new build is up please try it on your phone and tell me').split(' ')

/** Deterministic chat-like content, 3 to ~40 words (about 80 characters on average). */
export const contentOf = (i: number): string => {
  let state = (i * 2654435761) >>> 0
  const next = () => (state = (state * 1664525 + 1013904223) >>> 0)
  const words = 3 + (next() % 38 < 30 ? next() % 12 : next() % 38)
  const parts: string[] = []
  for (let w = 0; w < words; w++) parts.push(WORDS[next() % WORDS.length]!)
  return parts.join(' ')
}

/** When message i was written: one a second, ending a day before 2026. */
const createdAt = (size: number, i: number): string => new Date(Date.UTC(2025, 11, 31) - (size - i) * 1000).toISOString()

let chatPromise: Promise<Chat> | null = null

/** Alice and Bob, made once per run. Extractable keys, so a browser page can act as Bob too. */
export const benchChat = (): Promise<Chat> => {
  chatPromise ??= (async () => {
    const [alice, bob] = await Promise.all([createIdentity({ extractable: true }), createIdentity({ extractable: true })])
    const ref = directConversation(alice.user_id, bob.user_id)
    return {
      alice,
      bob,
      ref,
      room: conversationRoom(ref),
      keys: new Map([[alice.user_id, alice.public_key], [bob.user_id, bob.public_key]])
    }
  })()
  return chatPromise
}

/** The sender of message i: Alice on even, Bob on odd. */
export const senderOf = (chat: Chat, i: number): Identity => i % 2 === 0 ? chat.alice : chat.bob

/** Message i of a history of `size`, unsigned. */
export const unsignedMessage = (chat: Chat, size: number, i: number): UnsignedMessage => {
  const sender = senderOf(chat, i)
  const created = createdAt(size, i)
  return {
    message_id: randomId(),
    sender_id: sender.user_id,
    receiver_id: sender === chat.alice ? chat.bob.user_id : chat.alice.user_id,
    group_id: null,
    content: contentOf(i),
    created_at: created,
    updated_at: created,
    deleted_at: null
  }
}

/** Signs in batches, so that a hundred thousand pending promises never pile up. */
export const signAll = async (chat: Chat, messages: UnsignedMessage[]): Promise<Message[]> => {
  const signed: Message[] = []
  for (let start = 0; start < messages.length; start += 256) {
    const batch = messages.slice(start, start + 256)
    const signatures = await Promise.all(batch.map(message =>
      signMessage(message.sender_id === chat.alice.user_id ? chat.alice : chat.bob, message)))
    batch.forEach((message, i) => signed.push({ ...message, signature: signatures[i]! }))
  }
  return signed
}

const profile = (identity: Identity, name: string): User => ({
  user_id: identity.user_id,
  name,
  public_key: identity.public_key,
  created_at: '2025-01-01T00:00:00.000Z',
  updated_at: '2025-01-01T00:00:00.000Z',
  deleted_at: null
})

/** A profile room as its owner's device wrote it: one entry, their profile. */
const profileUpdate = (identity: Identity, name: string, client: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.clientID = client
  profileRecord(doc).set(identity.user_id, profile(identity, name))
  return Y.encodeStateAsUpdate(doc)
}

/** Someone's own room listing the conversation, as the relay lists a direct conversation for both its people. */
const ownRoomUpdate = (chat: Chat, client: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.clientID = client
  userConversations(doc).set(chat.room, { added_at: '2025-01-01T00:00:00.000Z' })
  return Y.encodeStateAsUpdate(doc)
}

/**
 * What a device of either person holds besides the conversation: both profiles (each its own room,
 * carrying the key its owner's messages are checked with) and both own rooms, each listing the
 * conversation, so that each client holds the other's profile as a contact's.
 */
export const peopleRooms = (chat: Chat): Map<string, Uint8Array> => new Map([
  [profileRoom(chat.alice.user_id), profileUpdate(chat.alice, 'Alice', CLIENT_IDS[0])],
  [profileRoom(chat.bob.user_id), profileUpdate(chat.bob, 'Bob', CLIENT_IDS[1])],
  [userRoom(chat.alice.user_id), ownRoomUpdate(chat, CLIENT_IDS[0])],
  [userRoom(chat.bob.user_id), ownRoomUpdate(chat, CLIENT_IDS[1])]
])

const clientIdOf = (chat: Chat, message: Message): number => CLIENT_IDS[message.sender_id === chat.alice.user_id ? 0 : 1]

/** A bucket written as its senders wrote it: one transaction per message, by the sender's device. */
export const bucketUpdate = (chat: Chat, messages: readonly Message[]): Uint8Array => {
  const doc = new Y.Doc()
  const map = bucketMessages(doc)
  for (const message of messages) {
    doc.clientID = clientIdOf(chat, message)
    doc.transact(() => map.set(message.message_id, message))
  }
  return Y.encodeStateAsUpdate(doc)
}

/** The naive layout: every message pushed onto one Y.Array, each by its sender's device. */
export const naiveUpdate = (chat: Chat, messages: readonly Message[]): Uint8Array => {
  const doc = new Y.Doc()
  const log = naiveLog(doc)
  for (const message of messages) {
    doc.clientID = clientIdOf(chat, message)
    // NOTE: insert at the end rather than push: same document, but insert keeps Yjs's search
    // marker, so seeding is linear; push walks the whole list (what the write workload measures).
    doc.transact(() => log.insert(log.length, [message]))
  }
  return Y.encodeStateAsUpdate(doc)
}

/** The conversation index: its buckets, and each person's signed activity entry (count and latest message). */
const indexUpdate = async (chat: Chat, size: number, buckets: number, messages: readonly Message[]): Promise<Uint8Array> => {
  const doc = new Y.Doc()
  const activity: Array<[string, StoredActivity]> = []
  for (const person of [chat.alice, chat.bob]) {
    const last = [...messages].reverse().find(message => message.sender_id === person.user_id)
    if (!last) continue
    const count = person === chat.alice ? Math.ceil(size / 2) : Math.floor(size / 2)
    const lastEntry = { message_id: last.message_id, created_at: last.created_at, preview: previewOf(last.content), deleted: false }
    const signature = await signActivity(person, chat.room, { sender_id: person.user_id, count, last: { ...lastEntry, sender_id: person.user_id } })
    activity.push([person.user_id, { count, last: lastEntry, signature }])
  }
  doc.transact(() => {
    for (let bucket = 0; bucket < buckets; bucket++) conversationBuckets(doc).set(String(bucket), { created_at: createdAt(size, bucket * BUCKET_CAPACITY) })
    for (const [user_id, entry] of activity) conversationActivity(doc).set(user_id, entry)
  })
  return Y.encodeStateAsUpdate(doc)
}

const seeds = new Map<string, Promise<ChatSeed>>()

/**
 * The history of `size` messages (Alice and Bob taking turns, one a second), in Parley's
 * layout and, up to NAIVE_LIMIT unless `naive` is false, the naive one. Built once per run,
 * size and layouts.
 */
export const chatSeed = (size: number, { naive = size <= NAIVE_LIMIT }: { naive?: boolean } = {}): Promise<ChatSeed> => {
  const withNaive = naive && size <= NAIVE_LIMIT
  const key = `${size}/${withNaive}`
  let seed = seeds.get(key)
  if (!seed) {
    seed = buildSeed(size, withNaive)
    seeds.set(key, seed)
  }
  return seed
}

/** Forgets the seeds (their naive documents are tens of megabytes). */
export const dropSeeds = (): void => { seeds.clear() }

const buildSeed = async (size: number, withNaive: boolean): Promise<ChatSeed> => {
  const chat = await benchChat()
  const buckets = Math.ceil(size / BUCKET_CAPACITY)
  const materializedFrom = withNaive || buckets <= 1 ? 0 : (buckets - 1) * BUCKET_CAPACITY
  const unsigned = Array.from({ length: size - materializedFrom }, (_, i) => unsignedMessage(chat, size, materializedFrom + i))
  const tailStart = Math.max(0, unsigned.length - SIGNED_TAIL)
  const tail = await signAll(chat, unsigned.slice(tailStart))
  const filler = tail[0]!.signature
  const messages: Message[] = [...unsigned.slice(0, tailStart).map(message => ({ ...message, signature: filler })), ...tail]
  const rooms = peopleRooms(chat)
  rooms.set(chat.room, await indexUpdate(chat, size, buckets, messages))
  for (let start = 0; start < messages.length; start += BUCKET_CAPACITY) {
    const bucket = (materializedFrom + start) / BUCKET_CAPACITY
    rooms.set(bucketRoom(chat.ref, bucket), bucketUpdate(chat, messages.slice(start, start + BUCKET_CAPACITY)))
  }
  return {
    chat,
    size,
    rooms,
    omittedBuckets: materializedFrom / BUCKET_CAPACITY,
    newest: messages[messages.length - 1]!,
    naive: withNaive ? naiveUpdate(chat, messages) : null
  }
}
