// Connection credentials: a one-time token signed with the user's key, offered as a WebSocket subprotocol.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { fromBase64Url, toBase64Url, userIdFromPublicKey } from './ids'
import { sign, verify, type Identity } from './identity'
import { PARLEY_PROTOCOL, type AuthFailure, type TokenFailure } from './protocol'

export { PARLEY_PROTOCOL, type AuthFailure, type TokenFailure }

/**
 * The token rides beside Parley's subprotocol (parley.v<version>, shared/protocol/version.ts)
 * as a second offered subprotocol: NOTE: not in the query string, which ends up in access
 * logs, and not in a first message, which could only be checked after the upgrade.
 */
export const TOKEN_PROTOCOL_PREFIX = 'parley-token.'

/** How long after it is made a token is accepted. */
export const TOKEN_LIFETIME_MS = 60_000

/** How far the client's clock may be from the relay's. */
export const MAX_CLOCK_SKEW_MS = 120_000

const TOKEN_VERSION = 1
const SIGNED_CONTEXT = new TextEncoder().encode('parley/connect/v1\0')

export interface TokenClaims {
  user_id: string
  /** Raw Ed25519 public key, base64url; user_id is derived from it. */
  public_key: string
  /** The relay as the client addressed it (URL host, with port): a token made for one relay is useless at another. */
  host: string
  /** The URL path without its leading slash: `mux`, or a room name. */
  path: string
  /** Milliseconds since the epoch, by the client's clock. */
  issued_at: number
  /** 16 random bytes, base64url: each token is accepted once. */
  nonce: string
  /** An invitation code for an invite-only relay, or ''. */
  invite: string
}

/** Makes a fresh token for one connection to `url` (ws://host:port/path). */
export const createConnectToken = async (identity: Identity, url: string, { invite = '', now = Date.now() } = {}): Promise<string> => {
  const { host, pathname } = new URL(url)
  const payload = encoding.encode(encoder => {
    encoding.writeVarUint(encoder, TOKEN_VERSION)
    encoding.writeVarUint8Array(encoder, fromBase64Url(identity.public_key))
    encoding.writeVarString(encoder, host)
    encoding.writeVarString(encoder, decodeURIComponent(pathname.slice(1)))
    encoding.writeVarUint(encoder, now)
    encoding.writeVarUint8Array(encoder, crypto.getRandomValues(new Uint8Array(16)))
    encoding.writeVarString(encoder, invite)
  })
  const signature = await sign(identity, signedBytes(payload))
  return `${toBase64Url(payload)}.${toBase64Url(signature)}`
}

/** The subprotocols a client offers: Parley's of this version, then the token. */
export const connectProtocols = (token: string, parleyProtocol = PARLEY_PROTOCOL): string[] => [parleyProtocol, TOKEN_PROTOCOL_PREFIX + token]

/** The token among offered subprotocols, or null when none was offered. */
export const tokenOfProtocols = (protocols: Iterable<string>): string | null => {
  for (const protocol of protocols) {
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length)
  }
  return null
}

/** Checks that `signature` is the holder of `publicKey`'s signature of `data` (WebCrypto's verify by default). */
export type SignatureCheck = (publicKey: string, signature: Uint8Array, data: Uint8Array) => boolean | Promise<boolean>

/**
 * Reads a token and checks its signature. What it then claims (host, path, time, nonce,
 * invite) is for the relay to judge; this only says the claims are the key holder's.
 */
export const readConnectToken = async (token: string, checkSignature: SignatureCheck = verify): Promise<{ ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure }> => {
  let claims: TokenClaims
  let payload: Uint8Array
  let signature: Uint8Array
  try {
    const [encodedPayload, encodedSignature, ...rest] = token.split('.')
    if (rest.length > 0 || !encodedPayload || !encodedSignature) return { ok: false, reason: 'malformed-token' }
    payload = fromBase64Url(encodedPayload)
    signature = fromBase64Url(encodedSignature)
    const decoder = decoding.createDecoder(payload)
    if (decoding.readVarUint(decoder) !== TOKEN_VERSION) return { ok: false, reason: 'malformed-token' }
    const publicKey = decoding.readVarUint8Array(decoder)
    const host = decoding.readVarString(decoder)
    const path = decoding.readVarString(decoder)
    const issued_at = decoding.readVarUint(decoder)
    const nonce = decoding.readVarUint8Array(decoder)
    const invite = decoding.readVarString(decoder)
    if (decoding.hasContent(decoder) || publicKey.length !== 32 || nonce.length !== 16 || signature.length !== 64) {
      return { ok: false, reason: 'malformed-token' }
    }
    claims = {
      user_id: userIdFromPublicKey(publicKey),
      public_key: toBase64Url(publicKey),
      host,
      path,
      issued_at,
      nonce: toBase64Url(nonce),
      invite
    }
  } catch {
    return { ok: false, reason: 'malformed-token' }
  }
  const genuine = await Promise.resolve().then(() => checkSignature(claims.public_key, signature, signedBytes(payload))).catch(() => false)
  return genuine ? { ok: true, claims } : { ok: false, reason: 'bad-signature' }
}

const signedBytes = (payload: Uint8Array): Uint8Array => {
  const bytes = new Uint8Array(SIGNED_CONTEXT.length + payload.length)
  bytes.set(SIGNED_CONTEXT)
  bytes.set(payload, SIGNED_CONTEXT.length)
  return bytes
}
