// Messages signed by their sender: one canonical byte encoding of a message's fields, and signing and verifying it.
import * as encoding from 'lib0/encoding'
import { fromBase64Url, toBase64Url } from './ids'
import { sign, type Identity } from './identity'
import { isSignature, isWellFormedText, type Message } from './model'

/** A message before it is signed: every field but the signature. */
export type UnsignedMessage = Omit<Message, 'signature'>

/**
 * NOTE: the domain prefix keeps a message signature from ever verifying as any other signed
 * thing of Parley's (or another app's using the same key); bump the version when the encoding changes.
 */
export const MESSAGE_DOMAIN = 'parley/message/v1'

/** A string that may be null: a marker byte (0 null, 1 present), then the string. */
export const writeOptionalString = (encoder: encoding.Encoder, value: string | null): void => {
  if (value === null) {
    encoding.writeUint8(encoder, 0)
  } else {
    encoding.writeUint8(encoder, 1)
    encoding.writeVarString(encoder, value)
  }
}

/**
 * The bytes a sender signs. NOTE: every field in a fixed order, each string length-prefixed
 * and each nullable one behind a null marker, so that two different messages never encode
 * alike (no field can spill into the next, and null is not '').
 */
export const messageSigningBytes = (message: UnsignedMessage): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, MESSAGE_DOMAIN)
  encoding.writeVarString(encoder, message.message_id)
  encoding.writeVarString(encoder, message.sender_id)
  writeOptionalString(encoder, message.receiver_id)
  writeOptionalString(encoder, message.group_id)
  encoding.writeVarString(encoder, message.content)
  encoding.writeVarString(encoder, message.created_at)
  encoding.writeVarString(encoder, message.updated_at)
  writeOptionalString(encoder, message.deleted_at)
  return encoding.toUint8Array(encoder)
}

/** Signs `bytes` with one's own key: the signature as base64url. */
export const signBytes = async (identity: Identity, bytes: Uint8Array): Promise<string> =>
  toBase64Url(await sign(identity, bytes))

const ALGORITHM = { name: 'Ed25519' } as const

/**
 * Public keys imported for verifying, newest last. NOTE: a reader checks many messages per
 * sender, and importing the key costs about a third of a check; bounded, oldest dropped first.
 */
const importedKeys = new Map<string, Promise<CryptoKey>>()
const IMPORTED_KEYS_KEPT = 256

const importedKey = (publicKey: string): Promise<CryptoKey> => {
  let key = importedKeys.get(publicKey)
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', fromBase64Url(publicKey) as BufferSource, ALGORITHM, false, ['verify'])
    if (importedKeys.size >= IMPORTED_KEYS_KEPT) importedKeys.delete(importedKeys.keys().next().value!)
    importedKeys.set(publicKey, key)
    key.catch(() => importedKeys.delete(publicKey))
  }
  return key
}

/** Whether `signature` is `publicKey`'s over `bytes`; false (never a throw) for anything malformed. */
export const verifyBytes = async (bytes: Uint8Array, signature: string, publicKey: string): Promise<boolean> => {
  if (!isSignature(signature)) return false
  try {
    return await crypto.subtle.verify(ALGORITHM, await importedKey(publicKey), fromBase64Url(signature) as BufferSource, bytes as BufferSource)
  } catch {
    return false
  }
}

/** The sender's signature of a message (every version: a new edit is signed anew). */
export const signMessage = (identity: Identity, message: UnsignedMessage): Promise<string> =>
  signBytes(identity, messageSigningBytes(message))

/** Whether the message was signed, exactly as it is, by the holder of `publicKey` (its sender's). */
export const verifyMessage = async (message: Message, publicKey: string): Promise<boolean> =>
  isWellFormedText(message.content) && verifyBytes(messageSigningBytes(message), message.signature, publicKey)
