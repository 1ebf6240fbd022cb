// A user's identity: an Ed25519 key pair made with WebCrypto; the user id is derived from the public key.
import { fromBase64Url, toBase64Url, userIdFromPublicKey } from './ids'

export interface Identity {
  readonly user_id: string
  /** Raw 32-byte public key, base64url: published in the user's profile. */
  readonly public_key: string
  readonly keys: CryptoKeyPair
}

const ALGORITHM = { name: 'Ed25519' } as const

/**
 * Makes a new identity. The private key is not extractable unless asked for, so that a
 * key kept in IndexedDB cannot be read back out by script.
 */
export const createIdentity = async ({ extractable = false } = {}): Promise<Identity> => {
  const keys = (await crypto.subtle.generateKey(ALGORITHM, extractable, ['sign', 'verify'])) as CryptoKeyPair
  return identityFromKeys(keys)
}

/** Rebuilds an identity from a stored key pair (CryptoKeys survive IndexedDB's structured clone). */
export const identityFromKeys = async (keys: CryptoKeyPair): Promise<Identity> => {
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey))
  return { user_id: userIdFromPublicKey(raw), public_key: toBase64Url(raw), keys }
}

export const sign = async (identity: Identity, data: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.sign(ALGORITHM, identity.keys.privateKey, data as BufferSource))

/** Public keys kept imported, most recently used last; enough for everyone a relay or a client deals with at once. */
const IMPORTED_KEYS_KEPT = 1024
const importedKeys = new Map<string, Promise<CryptoKey>>()

/**
 * The verification key for a raw public key. NOTE: importing costs about a third of a
 * verification, and the same few keys verify every message of a conversation and every
 * reconnect: each is imported once. A key that fails to import is not kept.
 */
const verificationKey = (publicKey: string): Promise<CryptoKey> => {
  let key = importedKeys.get(publicKey)
  if (key) {
    importedKeys.delete(publicKey)
  } else {
    key = crypto.subtle.importKey('raw', fromBase64Url(publicKey) as BufferSource, ALGORITHM, false, ['verify'])
    key.catch(() => { if (importedKeys.get(publicKey) === key) importedKeys.delete(publicKey) })
    if (importedKeys.size >= IMPORTED_KEYS_KEPT) importedKeys.delete(importedKeys.keys().next().value!)
  }
  importedKeys.set(publicKey, key)
  return key
}

export const verify = async (publicKey: string, signature: Uint8Array, data: Uint8Array): Promise<boolean> => {
  const key = await verificationKey(publicKey)
  return crypto.subtle.verify(ALGORITHM, key, signature as BufferSource, data as BufferSource)
}
