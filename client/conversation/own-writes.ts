// What one writes into a conversation: content checked, and each message version signed with the activity entry that points at it.
import { signActivity, type UnsignedActivity } from '../../shared/activity-signature'
import { ParleyError } from '../../shared/errors'
import type { Identity } from '../../shared/identity'
import { signMessage, type UnsignedMessage } from '../../shared/message-signature'
import { LIMITS, isWellFormedText, type Message } from '../../shared/model'
import { PREVIEW_LENGTH } from '../../shared/schema'

export const assertContent = (content: string): void => {
  if (typeof content !== 'string' || content.trim().length === 0) throw new ParleyError('invalid-input', 'a message needs content')
  if (content.length > LIMITS.contentLength) throw new ParleyError('invalid-input', `a message is at most ${LIMITS.contentLength} characters`)
  if (!isWellFormedText(content)) throw new ParleyError('invalid-input', 'a message cannot hold half of a character (a lone surrogate)')
}

/** The start of a message for the conversation list, never ending in half of a surrogate pair. */
export const previewOf = (content: string): string => {
  const preview = content.slice(0, PREVIEW_LENGTH)
  return /[\uD800-\uDBFF]$/.test(preview) ? preview.slice(0, -1) : preview
}

export const withoutSignature = ({ signature: _signature, ...unsigned }: Message): UnsignedMessage => unsigned

/** An activity entry as stored under its sender's id (the sender is the key, not a field). */
export interface StoredActivity {
  count: number
  last: { message_id: string; created_at: string; preview: string; deleted: boolean }
  signature: string
}

/** One's activity entry naming `message` as one's latest in `room`, after `count` messages there, signed. */
export const signActivityOf = async (me: Identity, room: string, message: UnsignedMessage, count: number): Promise<StoredActivity> => {
  const last = {
    message_id: message.message_id,
    created_at: message.created_at,
    preview: previewOf(message.content),
    deleted: message.deleted_at !== null
  }
  const activity: UnsignedActivity = { sender_id: me.user_id, count, last: { ...last, sender_id: me.user_id } }
  return { count, last, signature: await signActivity(me, room, activity) }
}

/** Signs message versions (all at once). Nothing is written here. */
export const signMessages = async (me: Identity, unsigned: readonly UnsignedMessage[]): Promise<Message[]> => {
  const signatures = await Promise.all(unsigned.map(message => signMessage(me, message)))
  return unsigned.map((message, i) => ({ ...message, signature: signatures[i]! }))
}

/**
 * Signs a message version and, when `count` is given, one's activity entry naming it as one's
 * latest message in `room` (both at once). Nothing is written here.
 */
export const signWrite = async (
  me: Identity,
  room: string,
  unsigned: UnsignedMessage,
  count: number | null
): Promise<{ message: Message; activity: StoredActivity | null }> => {
  const [[message], activity] = await Promise.all([
    signMessages(me, [unsigned]),
    count === null ? null : signActivityOf(me, room, unsigned, count)
  ])
  return { message: message!, activity }
}
