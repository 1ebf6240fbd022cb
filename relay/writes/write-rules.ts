// Who may write which entry of which room: the relay's rules, one per root map, judged on what an update did to each entry.
import { parseGroup, parseMessage, parseUser, type Group, type Parsed } from '../../shared/model'
import type { RoomRef } from '../../shared/protocol'
import { parseActivity, parseBucketEntry, parseConversationEntry, parseReadMark } from '../../shared/schema'
import type { EntryChange } from './update-effect'

export type WriteRefusal =
  | 'unknown-entry'
  | 'invalid-value'
  | 'unknown-field'
  | 'not-yours'
  | 'not-an-admin'
  | 'wrong-conversation'
  | 'too-long'
  | 'deleted-for-good'

/** One value written to an entry (or its removal), with what the entry held before the update. */
export interface EntryWrite {
  /** The root map's name ('users', 'messages', …). */
  root: string
  key: string
  /** The value written; undefined for a removal. */
  value: unknown
  deleted: boolean
  /** The entry's value before the update (undefined if none). */
  before: unknown
  /** Whether the entry had been deleted before the update (Yjs keeps its last item). */
  tombstone: boolean
}

export interface WriteContext {
  /** The authenticated user who sent the update. */
  writer: string
  room: RoomRef
  maxMessageLength: number
}

/**
 * Judges everything an update did to one entry: each value it wrote there, even one dead on
 * arrival or overwritten within the same update, and the removal of its value. Items that came
 * already deleted hold no value: under an entry the update wrote no value to, they are judged as
 * its removal (an honest client sends them only for values it replaced or deleted itself).
 * Null when allowed.
 */
export const judgeChange = (change: EntryChange, context: WriteContext): WriteRefusal | null => {
  const { root, key, before, tombstone } = change
  for (const value of change.written) {
    const refusal = judgeWrite({ root, key, value, deleted: false, before, tombstone }, context)
    if (refusal !== null) return refusal
  }
  // NOTE: an entry that ends deleted is a removal even if it had no value before: a value written
  // and deleted within one update leaves a tombstone, which no one may put back. Items that came
  // deleted, alone, under an entry are judged as its removal wherever Yjs placed them.
  const endsRemoved = change.after === undefined && (change.before !== undefined || change.written.length > 0 || change.wroteDeleted)
  if (endsRemoved || (change.wroteDeleted && change.written.length === 0)) return judgeWrite({ root, key, value: undefined, deleted: true, before, tombstone }, context)
  return null
}

/** Null when the write is allowed, else why not. */
export const judgeWrite = (write: EntryWrite, context: WriteContext): WriteRefusal | null => {
  const { room } = context
  switch (room.kind) {
    case 'profile':
      if (write.root !== 'profile' || write.key !== room.user_id) return 'unknown-entry'
      return judgeProfile(write, context)
    case 'user': {
      // One's own room: only its owner writes (the relay adds direct conversations itself).
      if (context.writer !== room.user_id) return 'not-yours'
      if (write.deleted) return null
      if (write.root === 'conversations') return refusalOf(exactly(parseConversationEntry(room.user_id), write))
      if (write.root === 'reads') return refusalOf(exactly(parseReadMark, write))
      return 'unknown-entry'
    }
    case 'conversation':
      // Participants only reach this room (room-access.ts); each writes its own activity.
      if (write.root === 'buckets') {
        // The index of a conversation's history: nobody takes a bucket out of it, or puts one back.
        if (write.deleted) return 'not-yours'
        if (write.tombstone && write.before === undefined) return 'deleted-for-good'
        return refusalOf(exactly(parseBucketEntry, write))
      }
      if (write.root === 'activity') {
        if (write.key !== context.writer) return 'not-yours'
        return write.deleted ? null : refusalOf(exactly(parseActivity, write))
      }
      // A group's own record, under its id, in its own index room only.
      if (write.root === 'group') {
        return room.conversation.kind === 'group' && write.key === room.conversation.group_id ? judgeGroup(write, context) : 'unknown-entry'
      }
      return 'unknown-entry'
    case 'bucket':
      return write.root === 'messages' ? judgeMessage(write, context, room) : 'unknown-entry'
  }
}

/**
 * Parses a written value, refusing fields the parser does not know. NOTE: the relay stores and
 * serves the value as written, not as parsed: a field nobody checks would let anyone store
 * megabytes in an entry every member downloads.
 */
const exactly = <T>(parse: (value: unknown, key: string) => Parsed<T>, write: EntryWrite): T | 'invalid-value' | 'unknown-field' => {
  const parsed = parse(write.value, write.key)
  if (!parsed.ok) return 'invalid-value'
  return hasUnknownField(write.value, parsed.value) ? 'unknown-field' : parsed.value
}

/** The refusal of a parsed value (every parsed entity is an object), or null. */
const refusalOf = <T extends object>(parsed: T | 'invalid-value' | 'unknown-field'): WriteRefusal | null =>
  typeof parsed === 'string' ? parsed : null

/**
 * Whether `raw` holds a field, at any depth, that its parsed form does not (parsers may add
 * derived fields, never drop known ones). NOTE: lib0 decodes a field named `__proto__` into an
 * object's prototype, where parsers read it but Yjs does not write it back: such a value would be
 * judged with fields it is not stored with. Only plain objects and arrays pass.
 */
export const hasUnknownField = (raw: unknown, parsed: unknown): boolean => {
  if (typeof raw !== 'object' || raw === null) return false
  if (Object.getPrototypeOf(raw) !== (Array.isArray(raw) ? Array.prototype : Object.prototype)) return true
  if (typeof parsed !== 'object' || parsed === null) return true
  if (Array.isArray(raw)) return !Array.isArray(parsed) || raw.length !== parsed.length || raw.some((item, index) => hasUnknownField(item, parsed[index]))
  const known = parsed as Record<string, unknown>
  return Object.keys(raw).some(field => !Object.hasOwn(known, field) || hasUnknownField((raw as Record<string, unknown>)[field], known[field]))
}

const judgeProfile = (write: EntryWrite, { writer }: WriteContext): WriteRefusal | null => {
  if (write.key !== writer) return 'not-yours'
  return write.deleted ? null : refusalOf(exactly(parseUser, write))
}

/**
 * A message is its sender's: only they write it, whether new, edited or deleted, and it must
 * belong to the conversation whose bucket it is written to. A deleted message stays deleted,
 * and a message taken out of the map leaves its id used for good.
 */
const judgeMessage = (write: EntryWrite, context: WriteContext, room: Extract<RoomRef, { kind: 'bucket' }>): WriteRefusal | null => {
  let before = null
  if (write.before !== undefined) {
    const parsed = parseMessage(write.before, write.key)
    if (!parsed.ok || parsed.value.sender_id !== context.writer) return 'not-yours'
    before = parsed.value
  } else if (write.tombstone) {
    return write.deleted ? null : 'deleted-for-good'
  }
  if (write.deleted) return before === null ? 'not-yours' : null
  const message = exactly(parseMessage, write)
  if (typeof message === 'string') return message
  if (message.sender_id !== context.writer) return 'not-yours'
  if (before !== null && before.deleted_at !== null && message.deleted_at === null) return 'deleted-for-good'
  if (message.content.length > context.maxMessageLength) return 'too-long'
  const { conversation } = room
  if (conversation.kind === 'direct') {
    const other = conversation.user_ids.find(id => id !== context.writer)
    return message.group_id === null && message.receiver_id === other ? null : 'wrong-conversation'
  }
  return message.group_id === conversation.group_id ? null : 'wrong-conversation'
}

/**
 * Groups: anyone creates one with themself as creator and admin; its admins change it; a
 * member may only take themself out (leave). Its creator and creation time never change, and
 * a deleted group (deleted_at set, or taken out of the map by an admin) is gone for good: its
 * id cannot be taken again, or its admins brought back.
 */
const judgeGroup = (write: EntryWrite, { writer }: WriteContext): WriteRefusal | null => {
  if (write.before === undefined && write.tombstone) return 'deleted-for-good'
  const before = write.before === undefined ? null : parseGroup(write.before, write.key)
  if (before !== null && !before.ok) return 'invalid-value'
  const group = before?.value ?? null
  if (group !== null && group.deleted_at !== null) return 'deleted-for-good'
  if (write.deleted) return group !== null && group.admin_ids.includes(writer) ? null : 'not-an-admin'
  const next = exactly(parseGroup, write)
  if (typeof next === 'string') return next
  if (group === null) return next.created_by === writer && next.admin_ids.includes(writer) ? null : 'not-an-admin'
  if (next.created_by !== group.created_by || next.created_at !== group.created_at) return 'invalid-value'
  if (group.admin_ids.includes(writer)) return null
  return isLeaving(group, next, writer) ? null : 'not-an-admin'
}

/** Whether `next` is `group` with only `member` taken out. */
const isLeaving = (group: Group, next: Group, member: string): boolean => {
  const without = (ids: string[]) => ids.filter(id => id !== member)
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((id, i) => id === b[i])
  return group.user_ids.includes(member) &&
    same(next.user_ids, without(group.user_ids)) &&
    same(next.admin_ids, without(group.admin_ids)) &&
    next.name === group.name &&
    next.deleted_at === group.deleted_at
}
