// Room names: one place that formats them and one that parses them, and the limits a name carries.
import { isId } from '../ids'

/** Messages per bucket document before writers move on to the next bucket. */
export const BUCKET_CAPACITY = 1000

/** Highest bucket number a room name may carry (a billion messages at the default capacity). */
export const MAX_BUCKET = 1_000_000

export type ConversationRef =
  | { kind: 'direct'; user_ids: readonly [string, string] }
  | { kind: 'group'; group_id: string }

export type RoomRef =
  | { kind: 'profile'; user_id: string }
  | { kind: 'user'; user_id: string }
  | { kind: 'conversation'; conversation: ConversationRef }
  | { kind: 'bucket'; conversation: ConversationRef; bucket: number }

/**
 * Where protocol v1 kept every profile and group, for everyone to sync. NOTE: no room of v2: only
 * the relay's conversion reads it, from the store (relay/conversions/).
 */
export const V1_DIRECTORY_ROOM = 'directory'

/**
 * A user's profile, public on the relay: whoever looks at them, and the people they share a
 * conversation with, open it. Its presence is the user's online state, published by them alone.
 */
export const profileRoom = (user_id: string): string => {
  if (!isId(user_id)) throw new TypeError('bad user id')
  return `profile/${user_id}`
}

/** A user's own room: the conversations they are in and how far they have read each. */
export const userRoom = (user_id: string): string => {
  if (!isId(user_id)) throw new TypeError('bad user id')
  return `user/${user_id}`
}

/** The direct conversation between two users; the same whichever side asks. */
export const directConversation = (a: string, b: string): ConversationRef => {
  if (!isId(a) || !isId(b) || a === b) throw new TypeError('a direct conversation needs two distinct user ids')
  return { kind: 'direct', user_ids: a < b ? [a, b] : [b, a] }
}

/** The conversation a room name names (its index or one of its buckets), or null. */
export const conversationOfRoom = (name: string): ConversationRef | null => {
  const room = parseRoom(name)
  return room && (room.kind === 'conversation' || room.kind === 'bucket') ? room.conversation : null
}

export const groupConversation = (group_id: string): ConversationRef => {
  if (!isId(group_id)) throw new TypeError('bad group id')
  return { kind: 'group', group_id }
}

const conversationPath = (conversation: ConversationRef): string =>
  conversation.kind === 'direct'
    ? `dm/${conversation.user_ids[0]}/${conversation.user_ids[1]}`
    : `group/${conversation.group_id}`

/** The conversation's own room: its bucket index and (later) read positions. */
export const conversationRoom = (conversation: ConversationRef): string => conversationPath(conversation)

/** One bucket of a conversation's message log. */
export const bucketRoom = (conversation: ConversationRef, bucket: number): string =>
  `${conversationPath(conversation)}/${bucket}`

export const formatRoom = (room: RoomRef): string => {
  switch (room.kind) {
    case 'profile': return profileRoom(room.user_id)
    case 'user': return userRoom(room.user_id)
    case 'conversation': return conversationRoom(room.conversation)
    case 'bucket': return bucketRoom(room.conversation, room.bucket)
  }
}

const parseBucket = (text: string): number | null =>
  /^(0|[1-9]\d{0,6})$/.test(text) && Number(text) <= MAX_BUCKET ? Number(text) : null

/** Parses a room name; null for anything that is not exactly a name formatRoom would make. */
export const parseRoom = (name: string): RoomRef | null => {
  const parts = name.split('/')
  if (parts[0] === 'user') return parts.length === 2 && isId(parts[1]) ? { kind: 'user', user_id: parts[1] } : null
  if (parts[0] === 'profile') return parts.length === 2 && isId(parts[1]) ? { kind: 'profile', user_id: parts[1] } : null
  let conversation: ConversationRef
  let rest: string[]
  if (parts[0] === 'dm' && parts.length >= 3) {
    const [, a, b] = parts as [string, string, string]
    // Canonical order only, so one conversation has exactly one name.
    if (!isId(a) || !isId(b) || !(a < b)) return null
    conversation = { kind: 'direct', user_ids: [a, b] }
    rest = parts.slice(3)
  } else if (parts[0] === 'group' && parts.length >= 2) {
    if (!isId(parts[1])) return null
    conversation = { kind: 'group', group_id: parts[1] }
    rest = parts.slice(2)
  } else {
    return null
  }
  if (rest.length === 0) return { kind: 'conversation', conversation }
  if (rest.length !== 1) return null
  const bucket = parseBucket(rest[0]!)
  return bucket === null ? null : { kind: 'bucket', conversation, bucket }
}

