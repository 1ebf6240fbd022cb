// Where each entity lives inside its Yjs document (see docs/architecture.md).
import type * as Y from 'yjs'
import { isId } from './ids'
import { LIMITS, isSignature, isWellFormedText, type Parsed } from './model'
import { MAX_BUCKET, parseRoom, type ConversationRef, type RoomRef } from './protocol'
import { isTimestamp } from './time'

/**
 * The root maps each kind of room holds, and no other: the relay refuses an update that names
 * another (Yjs adds every root an update names to the document, even where it changes nothing).
 */
export const ROOTS_OF: Readonly<Record<RoomRef['kind'], ReadonlySet<string>>> = {
  profile: new Set(['profile']),
  user: new Set(['conversations', 'reads']),
  // `group` only in a group conversation's index (write-rules.ts refuses it in a direct one).
  conversation: new Set(['buckets', 'activity', 'group']),
  bucket: new Set(['messages'])
}

/** `profile/<id>`'s one entry: `user_id` → User, written by that user only. */
export const profileRecord = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('profile')

/**
 * Where protocol v1 kept every profile and every group, readable by everyone. NOTE: read only by
 * the relay, once, to move each into its own room (relay/conversions/).
 */
export const directoryUsersOfV1 = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('users')
export const directoryGroupsOfV1 = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('groups')

/**
 * A group conversation's index holds the group itself: `group_id` → Group, the one entry of its
 * `group` map. Only the group's members (and the relay) can read it, so a group is invisible to
 * everyone else.
 */
export const groupRecord = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('group')

/**
 * A conversation's own document: the index of its buckets (bucket number as a decimal
 * string → { created_at }). Keys are only ever added, so the newest bucket is the largest key.
 */
export const conversationBuckets = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('buckets')

/** A bucket document: up to about BUCKET_CAPACITY messages keyed by message_id. */
export const bucketMessages = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('messages')

export interface BucketEntry {
  bucket: number
  created_at: string
}

/** Validates an entry of a conversation's bucket index. */
export const parseBucketEntry = (value: unknown, key: string): Parsed<BucketEntry> => {
  const bucket = /^(0|[1-9]\d{0,6})$/.test(key) ? Number(key) : Number.NaN
  if (!(bucket <= MAX_BUCKET)) return { ok: false, reason: 'bad-id' }
  const created_at = (value as { created_at?: unknown } | null)?.created_at
  if (!isTimestamp(created_at)) return { ok: false, reason: 'bad-timestamp' }
  return { ok: true, value: { bucket, created_at } }
}

// --- conversation activity: who has sent how much, and the latest message ----------------

/** A conversation index's `activity` map: sender_id → ActivityEntry, each written by its sender only. */
export const conversationActivity = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('activity')

export const PREVIEW_LENGTH = 140

export interface LastMessage {
  message_id: string
  sender_id: string
  created_at: string
  /** The start of its content ('' once deleted). */
  preview: string
  deleted: boolean
}

export interface ActivityEntry {
  sender_id: string
  /** Messages this sender has sent in the conversation. */
  count: number
  last: LastMessage | null
  /** The sender's signature over the entry and its room (shared/activity-signature.ts). */
  signature: string
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER

export const parseActivity = (value: unknown, key: string): Parsed<ActivityEntry> => {
  if (!isId(key)) return { ok: false, reason: 'bad-id' }
  const record = value as { count?: unknown; last?: Record<string, unknown> | null; signature?: unknown } | null
  if (typeof record !== 'object' || record === null) return { ok: false, reason: 'not-an-object' }
  if (!isCount(record.count)) return { ok: false, reason: 'bad-content' }
  const signature = record.signature
  if (!isSignature(signature)) return { ok: false, reason: 'bad-signature' }
  const last = record.last
  if (last === null || last === undefined) return { ok: true, value: { sender_id: key, count: record.count, last: null, signature } }
  if (typeof last !== 'object' || !isId(last.message_id)) return { ok: false, reason: 'bad-id' }
  if (!isTimestamp(last.created_at)) return { ok: false, reason: 'bad-timestamp' }
  if (typeof last.preview !== 'string' || last.preview.length > PREVIEW_LENGTH || !isWellFormedText(last.preview) ||
    typeof last.deleted !== 'boolean') {
    return { ok: false, reason: 'bad-content' }
  }
  return {
    ok: true,
    value: {
      sender_id: key,
      count: record.count,
      last: { message_id: last.message_id, sender_id: key, created_at: last.created_at, preview: last.preview, deleted: last.deleted },
      signature
    }
  }
}

// --- a user's own room -------------------------------------------------------------------

/**
 * `user/<id>`'s `conversations` map: conversation room → { added_at }. Its owner adds the
 * conversations they start; the other person of a direct conversation adds it too, so that
 * a first message from someone new shows up in the list.
 */
export const userConversations = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('conversations')

/** `user/<id>`'s `reads` map: conversation room → { counts: { sender_id: messages read } }, owner only. */
export const userReads = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('reads')

export interface ConversationEntry {
  room: string
  conversation: ConversationRef
  added_at: string
}

/** A conversation entry of `owner`'s list: a direct conversation must include the owner. */
export const parseConversationEntry = (owner: string) => (value: unknown, key: string): Parsed<ConversationEntry> => {
  const room = parseRoom(key)
  if (room?.kind !== 'conversation') return { ok: false, reason: 'bad-id' }
  if (room.conversation.kind === 'direct' && !room.conversation.user_ids.includes(owner)) return { ok: false, reason: 'bad-recipient' }
  const added_at = (value as { added_at?: unknown } | null)?.added_at
  if (!isTimestamp(added_at)) return { ok: false, reason: 'bad-timestamp' }
  return { ok: true, value: { room: key, conversation: room.conversation, added_at } }
}

export interface ReadMark {
  room: string
  counts: Record<string, number>
}

export const parseReadMark = (value: unknown, key: string): Parsed<ReadMark> => {
  if (parseRoom(key)?.kind !== 'conversation') return { ok: false, reason: 'bad-id' }
  const counts = (value as { counts?: unknown } | null)?.counts
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) return { ok: false, reason: 'not-an-object' }
  const entries = Object.entries(counts)
  if (entries.length > LIMITS.groupMembers || !entries.every(([sender, count]) => isId(sender) && isCount(count))) {
    return { ok: false, reason: 'bad-content' }
  }
  return { ok: true, value: { room: key, counts: Object.fromEntries(entries) as Record<string, number> } }
}

/** Awareness on a conversation index room: who is typing there. Never stored. */
export interface TypingState {
  user_id: string
  typing: boolean
}

export const parseTypingState = (value: unknown): Parsed<TypingState> => {
  const state = value as { user_id?: unknown; typing?: unknown } | null
  if (typeof state !== 'object' || state === null) return { ok: false, reason: 'not-an-object' }
  if (!isId(state.user_id)) return { ok: false, reason: 'bad-id' }
  return { ok: true, value: { user_id: state.user_id, typing: state.typing === true } }
}
