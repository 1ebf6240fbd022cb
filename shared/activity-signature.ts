// A sender's activity entry in a conversation index (count and latest message preview), signed like a message.
import * as array from 'lib0/array'
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

/**
 * Entries signed here lately, by signature, with the key and the bytes signed, newest last.
 * NOTE: one's own entry comes back to be verified (the conversation list watches the index a
 * send has just written): a signature made here over exactly these bytes with this key
 * verifies, so that check is a lookup rather than ~70 µs of WebCrypto. Bounded.
 */
const madeHere = new Map<string, { publicKey: string; bytes: Uint8Array }>()
const MADE_HERE_KEPT = 256

/**
 * The public key each private key was found to match, by one real verification. NOTE: an
 * identity pieced together wrongly (a restored backup, say) must not vouch for itself.
 */
const matchingKey = new WeakMap<CryptoKey, string>()

export const signActivity = async (identity: Identity, room: string, entry: UnsignedActivity): Promise<string> => {
  const bytes = encodeActivity(room, entry)
  const signature = await signBytes(identity, bytes)
  const privateKey = identity.keys.privateKey
  if (matchingKey.get(privateKey) !== identity.public_key) {
    if (!await verifyBytes(bytes, signature, identity.public_key)) return signature
    matchingKey.set(privateKey, identity.public_key)
  }
  if (madeHere.size >= MADE_HERE_KEPT) madeHere.delete(madeHere.keys().next().value!)
  madeHere.set(signature, { publicKey: identity.public_key, bytes })
  return signature
}

/** Whether the entry, exactly as it is, was signed for `room` by the holder of `publicKey` (its sender's). */
export const verifyActivity = async (room: string, entry: ActivityEntry, publicKey: string): Promise<boolean> => {
  if (entry.last !== null && !isWellFormedText(entry.last.preview)) return false
  const bytes = encodeActivity(room, entry)
  const made = madeHere.get(entry.signature)
  if (made !== undefined && made.publicKey === publicKey && array.equalFlat(made.bytes, bytes)) return true
  return verifyBytes(bytes, entry.signature, publicKey)
}
