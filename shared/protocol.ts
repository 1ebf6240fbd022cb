// The wire protocol in one place: room names, y-websocket message types, close codes and limits.
import { isId } from './ids'

/** y-websocket's top-level message types (what the upstream WebsocketProvider speaks). */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3
} as const

/**
 * Close codes the relay uses. NOTE: the upstream provider stops reconnecting on 4400–4499
 * ("reconnecting can't fix this"), and retries on everything else, 4500–4599 included.
 */
export const CloseCode = {
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  messageTooBig: 1009,
  internalError: 1011,
  badMessage: 4400,
  /** The connection's credentials were refused; the reason is an AuthFailure (shared/connect-token.ts). */
  unauthorized: 4401,
  /** The connection may not be in this room (a one-room socket). */
  forbidden: 4403,
  unknownRoom: 4404,
  /** Sent more, or cost more CPU, than a connection may (see the relay's limits). */
  rateLimited: 4429,
  storageFailure: 4503,
  /** Read too slowly: the relay dropped it rather than buffer without bound (reconnecting is fine). */
  tooSlow: 4508
} as const

export type CloseCodeName = keyof typeof CloseCode

/**
 * The start of a permission-denied reason that refuses one update rather than the room
 * (e.g. 'rejected-update:not-yours'): the writer is told, and stays in the room.
 */
export const REJECTED_UPDATE = 'rejected-update:'

/** Likewise for one presence (awareness) message, e.g. 'rejected-presence:not-your-presence'. */
export const REJECTED_PRESENCE = 'rejected-presence:'

/**
 * The multiplexed endpoint: many rooms on one socket at ws://host/mux. Each frame is
 * varUint kind, varString room, then for `message` a y-websocket message of that room.
 */
export const MUX_PATH = 'mux'

export const MuxFrame = {
  message: 0,
  join: 1,
  leave: 2
} as const

/** Rooms one mux socket may be in at once. */
export const MAX_MUX_ROOMS = 2000

/** Messages per bucket document before writers move on to the next bucket. */
export const BUCKET_CAPACITY = 1000

/** Highest bucket number a room name may carry (a billion messages at the default capacity). */
export const MAX_BUCKET = 1_000_000

export type ConversationRef =
  | { kind: 'direct'; user_ids: readonly [string, string] }
  | { kind: 'group'; group_id: string }

export type RoomRef =
  | { kind: 'directory' }
  | { kind: 'user'; user_id: string }
  | { kind: 'conversation'; conversation: ConversationRef }
  | { kind: 'bucket'; conversation: ConversationRef; bucket: number }

export const DIRECTORY_ROOM = 'directory'

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
    case 'directory': return DIRECTORY_ROOM
    case 'user': return userRoom(room.user_id)
    case 'conversation': return conversationRoom(room.conversation)
    case 'bucket': return bucketRoom(room.conversation, room.bucket)
  }
}

const parseBucket = (text: string): number | null =>
  /^(0|[1-9]\d{0,6})$/.test(text) && Number(text) <= MAX_BUCKET ? Number(text) : null

/** Parses a room name; null for anything that is not exactly a name formatRoom would make. */
export const parseRoom = (name: string): RoomRef | null => {
  if (name === DIRECTORY_ROOM) return { kind: 'directory' }
  const parts = name.split('/')
  if (parts[0] === 'user') return parts.length === 2 && isId(parts[1]) ? { kind: 'user', user_id: parts[1] } : null
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

