// A sender's activity entry in a conversation index (count and latest message preview), signed like a message.
import * as encoding from 'lib0/encoding'
import type { Identity } from './identity'
import { isWellFormedText } from './model'
import { signBytes, verifyBytes } from './message-signature'
import type { ActivityEntry } from './schema'

export type UnsignedActivity = Omit<ActivityEntry, 'signature'>

export const ACTIVITY_DOMAIN = 'parley/activity/v1'

/**
 * The bytes a sender signs for their entry in `room`'s index. NOTE: the room is part of it,
 * so a genuine entry cannot be copied into another conversation's index; nullable parts sit
 * behind a marker byte and strings are length-prefixed, as in a message's encoding.
 */
export const encodeActivity = (room: string, entry: UnsignedActivity): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, ACTIVITY_DOMAIN)
  encoding.writeVarString(encoder, room)
  encoding.writeVarString(encoder, entry.sender_id)
  encoding.writeVarUint(encoder, entry.count)
  const last = entry.last
  if (last === null) {
    encoding.writeUint8(encoder, 0)
  } else {
    encoding.writeUint8(encoder, 1)
    encoding.writeVarString(encoder, last.message_id)
    encoding.writeVarString(encoder, last.created_at)
    encoding.writeVarString(encoder, last.preview)
    encoding.writeUint8(encoder, last.deleted ? 1 : 0)
  }
  return encoding.toUint8Array(encoder)
}

export const signActivity = (identity: Identity, room: string, entry: UnsignedActivity): Promise<string> =>
  signBytes(identity, encodeActivity(room, entry))

/** Whether the entry, exactly as it is, was signed for `room` by the holder of `publicKey` (its sender's). */
export const verifyActivity = async (room: string, entry: ActivityEntry, publicKey: string): Promise<boolean> =>
  (entry.last === null || isWellFormedText(entry.last.preview)) &&
  verifyBytes(encodeActivity(room, entry), entry.signature, publicKey)
