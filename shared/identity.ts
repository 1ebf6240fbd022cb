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

export const verify = async (publicKey: string, signature: Uint8Array, data: Uint8Array): Promise<boolean> => {
  const key = await crypto.subtle.importKey('raw', fromBase64Url(publicKey) as BufferSource, ALGORITHM, false, ['verify'])
  return crypto.subtle.verify(ALGORITHM, key, signature as BufferSource, data as BufferSource)
}
