// Parley's entities and the one validation function per entity that turns foreign data into them.
import { isId, userIdFromPublicKey, fromBase64Url } from './ids'
import { isTimestamp, type Timestamp } from './time'

export interface User {
  user_id: string
  name: string
  /** Raw Ed25519 public key, base64url; user_id is derived from it. */
  public_key: string
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
}

export interface Group {
  group_id: string
  name: string
  user_ids: string[]
  /** Members allowed to rename the group and change its members; the creator is the first. */
  admin_ids: string[]
  created_by: string
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
}

/** A direct message has receiver_id and no group_id; a group message the reverse. */
export interface Message {
  message_id: string
  sender_id: string
  receiver_id: string | null
  group_id: string | null
  content: string
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
  /**
   * The sender's Ed25519 signature over every other field (see shared/message-signature.ts),
   * base64url. Checked here for shape only; whether it verifies is a separate, async step.
   */
  signature: string
}

export interface ActiveUser {
  user_id: string
}

export const LIMITS = {
  nameLength: 64,
  contentLength: 4000,
  groupMembers: 1000
} as const

export type InvalidReason =
  | 'not-an-object'
  | 'bad-id'
  | 'id-mismatch'
  | 'bad-key'
  | 'bad-name'
  | 'bad-content'
  | 'bad-timestamp'
  | 'bad-members'
  | 'bad-recipient'
  | 'bad-signature'

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: InvalidReason }

const valid = <T>(value: T): Parsed<T> => ({ ok: true, value })
const invalid = <T>(reason: InvalidReason): Parsed<T> => ({ ok: false, reason })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.trim().length > 0 && value.length <= LIMITS.nameLength

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate). NOTE: signatures are over UTF-8,
 * which turns every lone surrogate into U+FFFD; refusing them keeps one encoding per text.
 */
export const isWellFormedText = (value: string): boolean => !/\p{Cs}/u.test(value)

const isOptionalTimestamp = (value: unknown): value is Timestamp | null => value === null || isTimestamp(value)

const hasTimestamps = (record: Record<string, unknown>): boolean =>
  isTimestamp(record.created_at) && isTimestamp(record.updated_at) && isOptionalTimestamp(record.deleted_at)

const isIdList = (value: unknown, max: number): value is string[] =>
  Array.isArray(value) && value.length <= max && value.every(isId) && new Set(value).size === value.length

const isPublicKeyOf = (publicKey: unknown, userId: string): publicKey is string => {
  if (typeof publicKey !== 'string' || publicKey.length !== 43) return false
  try {
    const raw = fromBase64Url(publicKey)
    return raw.length === 32 && userIdFromPublicKey(raw) === userId
  } catch {
    return false
  }
}

/** An Ed25519 signature is 64 bytes: 86 base64url characters, the last carrying 2 bits (so A, Q, g or w). */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/

/** Whether a value has the shape of a signature (not whether it verifies). */
export const isSignature = (value: unknown): value is string =>
  typeof value === 'string' && SIGNATURE_PATTERN.test(value)

/** Validates a user profile; `key` is the map key it was stored under, which must match. */
export const parseUser = (input: unknown, key?: string): Parsed<User> => {
  if (!isRecord(input)) return invalid('not-an-object')
  const { user_id, name, public_key, created_at, updated_at, deleted_at } = input
  if (!isId(user_id)) return invalid('bad-id')
  if (key !== undefined && key !== user_id) return invalid('id-mismatch')
  if (!isPublicKeyOf(public_key, user_id)) return invalid('bad-key')
  if (!isName(name)) return invalid('bad-name')
  if (!hasTimestamps(input)) return invalid('bad-timestamp')
  return valid({ user_id, name, public_key, created_at, updated_at, deleted_at } as User)
}

export const parseGroup = (input: unknown, key?: string): Parsed<Group> => {
  if (!isRecord(input)) return invalid('not-an-object')
  const { group_id, name, user_ids, admin_ids, created_by, created_at, updated_at, deleted_at } = input
  if (!isId(group_id) || !isId(created_by)) return invalid('bad-id')
  if (key !== undefined && key !== group_id) return invalid('id-mismatch')
  if (!isName(name)) return invalid('bad-name')
  if (!isIdList(user_ids, LIMITS.groupMembers) || !isIdList(admin_ids, LIMITS.groupMembers)) return invalid('bad-members')
  // A group always has an admin, and admins are members.
  if (admin_ids.length === 0 || !admin_ids.every(id => user_ids.includes(id))) return invalid('bad-members')
  if (!hasTimestamps(input)) return invalid('bad-timestamp')
  return valid({
    group_id, name, user_ids: [...user_ids], admin_ids: [...admin_ids], created_by, created_at, updated_at, deleted_at
  } as Group)
}

export const parseMessage = (input: unknown, key?: string): Parsed<Message> => {
  if (!isRecord(input)) return invalid('not-an-object')
  const { message_id, sender_id, receiver_id, group_id, content, created_at, updated_at, deleted_at, signature } = input
  if (!isId(message_id) || !isId(sender_id)) return invalid('bad-id')
  if (key !== undefined && key !== message_id) return invalid('id-mismatch')
  const direct = isId(receiver_id) && group_id === null
  const inGroup = isId(group_id) && receiver_id === null
  if (!direct && !inGroup) return invalid('bad-recipient')
  if (!hasTimestamps(input)) return invalid('bad-timestamp')
  if (typeof content !== 'string' || content.length > LIMITS.contentLength || !isWellFormedText(content)) return invalid('bad-content')
  // A deleted message keeps no content; a live one has some.
  if (deleted_at === null ? content.trim().length === 0 : content !== '') return invalid('bad-content')
  if (!isSignature(signature)) return invalid('bad-signature')
  return valid({ message_id, sender_id, receiver_id, group_id, content, created_at, updated_at, deleted_at, signature } as Message)
}

export const parseActiveUser = (input: unknown): Parsed<ActiveUser> => {
  if (!isRecord(input)) return invalid('not-an-object')
  return isId(input.user_id) ? valid({ user_id: input.user_id }) : invalid('bad-id')
}
