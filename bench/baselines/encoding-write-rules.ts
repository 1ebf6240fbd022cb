// Baseline (the relay before da2278b): who may write which entry of which room, judged per entry write the encoding declares.
import { parseMessage, parseUser } from '../../shared/model'
import type { RoomRef } from '../../shared/protocol'
import { parseActivity, parseBucketEntry, parseConversationEntry, parseReadMark } from '../../shared/schema'
import type { EntryWrite } from './encoding-inspection'

/*
 * NOTE: the relay's judge before it judged what Yjs does (commit da2278b^), kept only as the benchmark's
 * baseline; never used by the relay. It predicted from an update's encoding which entries it
 * would write, and hand-made encodings beat that prediction (test/forgery-effects.test.ts).
 * Copied as it was, imports aside: do not fix it, or the baseline stops being the old judge.
 */

export type WriteRefusal =
  | 'unknown-entry'
  | 'invalid-value'
  | 'not-yours'
  | 'not-an-admin'
  | 'wrong-conversation'
  | 'too-long'

export interface WriteContext {
  /** The authenticated user who sent the update. */
  writer: string
  room: RoomRef
  /** The relay's current value of the written entry (before this update), undefined if none. */
  current: (root: string, key: string) => unknown
  maxMessageLength: number
}

/** Null when the write is allowed, else why not. */
export const judgeWrite = (write: EntryWrite, context: WriteContext): WriteRefusal | null => {
  const { room } = context
  switch (room.kind) {
    // NOTE: protocol v2 moved each profile from v1's directory (root 'users', where this judge
    // applied judgeProfile) to a room of its own (root 'profile'): the same rule, under the new
    // room and root, so that the benchmark can still compare the judges on a profile. Groups
    // left the directory for their index rooms, which this judge never knew: its rule for them is gone.
    case 'profile':
      return write.root === 'profile' ? judgeProfile(write, context) : 'unknown-entry'
    case 'user': {
      // One's own room: only its owner writes (the relay adds direct conversations itself).
      if (context.writer !== room.user_id) return 'not-yours'
      if (write.deleted) return null
      const parse = write.root === 'conversations' ? parseConversationEntry(room.user_id) : write.root === 'reads' ? parseReadMark : null
      if (parse === null) return 'unknown-entry'
      return parse(write.value, write.key).ok ? null : 'invalid-value'
    }
    case 'conversation':
      // Participants only reach this room (room-access.ts); each writes its own activity.
      if (write.root === 'buckets') return write.deleted ? 'not-yours' : parseBucketEntry(write.value, write.key).ok ? null : 'invalid-value'
      if (write.root === 'activity') {
        if (write.key !== context.writer) return 'not-yours'
        return write.deleted || parseActivity(write.value, write.key).ok ? null : 'invalid-value'
      }
      return 'unknown-entry'
    case 'bucket':
      return write.root === 'messages' ? judgeMessage(write, context, room) : 'unknown-entry'
  }
}

const judgeProfile = (write: EntryWrite, { writer }: WriteContext): WriteRefusal | null => {
  if (write.key !== writer) return 'not-yours'
  return write.deleted || parseUser(write.value, write.key).ok ? null : 'invalid-value'
}

/**
 * A message is its sender's: only they write it, whether new, edited or deleted, and it must
 * belong to the conversation whose bucket it is written to.
 */
const judgeMessage = (write: EntryWrite, context: WriteContext, room: Extract<RoomRef, { kind: 'bucket' }>): WriteRefusal | null => {
  const current = context.current('messages', write.key)
  if (current !== undefined) {
    const before = parseMessage(current, write.key)
    if (!before.ok || before.value.sender_id !== context.writer) return 'not-yours'
  }
  if (write.deleted) return current === undefined ? 'not-yours' : null
  const parsed = parseMessage(write.value, write.key)
  if (!parsed.ok) return 'invalid-value'
  const message = parsed.value
  if (message.sender_id !== context.writer) return 'not-yours'
  if (message.content.length > context.maxMessageLength) return 'too-long'
  const { conversation } = room
  if (conversation.kind === 'direct') {
    const other = conversation.user_ids.find(id => id !== context.writer)
    return message.group_id === null && message.receiver_id === other ? null : 'wrong-conversation'
  }
  return message.group_id === conversation.group_id ? null : 'wrong-conversation'
}
