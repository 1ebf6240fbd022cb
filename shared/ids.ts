// Identifiers: random ids for groups and messages, and user ids derived from public keys.
import * as buffer from 'lib0/buffer'
import { digest } from 'lib0/hash/sha256'

/** Ids are base64url strings of 16 bytes: 22 characters from [A-Za-z0-9_-]. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export const isId = (value: unknown): value is string =>
  typeof value === 'string' && ID_PATTERN.test(value)

export const toBase64Url = (bytes: Uint8Array): string => buffer.toBase64UrlEncoded(bytes)

export const fromBase64Url = (text: string): Uint8Array => buffer.fromBase64UrlEncoded(text)

/**
 * Random bytes drawn ahead, 16 per id. NOTE: one getRandomValues call costs ~15 µs in Node
 * whatever its size (most of a local send); bytes from the same generator drawn a little
 * earlier are just as unpredictable.
 */
let randomPool = new Uint8Array(0)
let randomOffset = 0
const RANDOM_POOL_BYTES = 4096

/** A fresh random id for a group or a message. */
export const randomId = (): string => {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES))
    randomOffset = 0
  }
  const id = toBase64Url(randomPool.subarray(randomOffset, randomOffset + 16))
  randomOffset += 16
  return id
}

/**
 * The user id belonging to a raw Ed25519 public key: the first 16 bytes of its SHA-256.
 * NOTE: synchronous on purpose (lib0's sha256), so that validating a profile read from a
 * document does not need an async step inside a Yjs observer.
 */
export const userIdFromPublicKey = (publicKey: Uint8Array): string =>
  toBase64Url(digest(publicKey).subarray(0, 16))
