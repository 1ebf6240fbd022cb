// Moving an identity to another device: a passphrase-encrypted export of the private key, and the
// device-wrapped copy of that key which lets a device export an identity whose signing key it
// keeps non-extractable.
import { ParleyError } from './errors'
import { createIdentity, identityFromKeys, verify, type Identity } from './identity'
import { fromBase64Url, isId, toBase64Url, userIdFromPublicKey } from './ids'
import { LIMITS } from './model'
import { isTimestamp, timestamp, type Clock, type Timestamp } from './time'

/** The export format's version: the value of its `parley_identity` field. */
export const BACKUP_VERSION = 1
export const MIN_PASSPHRASE_LENGTH = 8
/** OWASP's figure for PBKDF2-HMAC-SHA256 (2023): about half a second in a browser. */
export const PBKDF2_ITERATIONS = 600_000
/** The most an export may ask for: a forged count must not hold the page for minutes. */
const MAX_ITERATIONS = 5_000_000
/** An export is under 1 kB; anything much longer is something else. */
const MAX_TEXT_LENGTH = 16_384

const ABOUT = 'A Parley identity: its private key, encrypted with a passphrase. Anyone with this file and the ' +
  'passphrase can act as this person. To use it on another device, open Parley there and choose “I already have an identity”.'

export type BackupFailure =
  | 'short-passphrase'
  | 'not-a-backup'
  | 'unsupported-version'
  | 'wrong-passphrase'
  | 'damaged'
  | 'key-mismatch'
  | 'not-exportable'

/** Why an export or an import failed: `failure` says which way, the message says it to a person. */
export class IdentityBackupError extends ParleyError {
  constructor (readonly failure: BackupFailure, message: string) {
    super(failure === 'not-exportable' ? 'not-allowed' : 'invalid-input', message)
    this.name = 'IdentityBackupError'
  }
}

/** A private key in the clear with the identity it belongs to: held only for the moment of an export. */
export interface PrivateKeyMaterial {
  readonly user_id: string
  /** Raw Ed25519 public key, base64url. */
  readonly public_key: string
  /** The Ed25519 private key, PKCS#8. */
  readonly pkcs8: Uint8Array
}

/** The private key encrypted with a key that never leaves this device: what makes a later export possible. */
export interface WrappedPrivateKey {
  /** AES-GCM, non-extractable: stored beside the identity (a CryptoKey survives IndexedDB's structured clone). */
  readonly deviceKey: CryptoKey
  readonly iv: Uint8Array
  /** The PKCS#8 private key, encrypted; the public key is its associated data. */
  readonly data: Uint8Array
}

export interface DeviceIdentity {
  /** Its private key is non-extractable and may only sign. */
  readonly identity: Identity
  readonly wrapped: WrappedPrivateKey
}

export interface ImportedIdentity extends DeviceIdentity {
  /** The display name when it was exported, if the export carries one; the directory's profile wins. */
  readonly name: string | null
  readonly exported_at: Timestamp
}

export interface ExportOptions {
  /** The display name, written beside the key so the other device can greet the person before it syncs. */
  name?: string | null
  clock?: Clock
}

/** What the text holds once read: every field checked, the binary ones decoded. */
interface ParsedBackup {
  user_id: string
  public_key: string
  name: string | null
  exported_at: Timestamp
  iterations: number
  salt: Uint8Array
  check: Uint8Array
  iv: Uint8Array
  data: Uint8Array
}

const ED25519 = { name: 'Ed25519' } as const
const utf8 = new TextEncoder()

// NOTE: a function declaration, not an arrow, so that TypeScript narrows after `if (…) fail(…)`.
function fail (failure: BackupFailure, message: string): never {
  throw new IdentityBackupError(failure, message)
}

const randomBytes = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length))

const encrypt = async (key: CryptoKey, iv: Uint8Array, additionalData: Uint8Array, plain: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: additionalData as BufferSource }, key, plain as BufferSource))

const decrypt = async (key: CryptoKey, iv: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: additionalData as BufferSource }, key, sealed as BufferSource))

/**
 * Signs with the private key and checks the signature with the public key: the pair belongs together.
 * NOTE: on export too, because an export that cannot be imported is found out only once every
 * other device is gone.
 */
const keyPairMatches = async (privateKey: CryptoKey, public_key: string): Promise<boolean> => {
  try {
    const challenge = randomBytes(32)
    const signature = new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, challenge as BufferSource))
    return await verify(public_key, signature, challenge)
  } catch {
    return false
  }
}

const importSigningKey = (pkcs8: Uint8Array): Promise<CryptoKey> =>
  crypto.subtle.importKey('pkcs8', pkcs8 as BufferSource, ED25519, false, ['sign'])

/** Makes a device identity from a private key in the clear: a non-extractable signing key, and the key wrapped. */
const keepOnDevice = async (pkcs8: Uint8Array, publicKey: CryptoKey): Promise<DeviceIdentity> => {
  const identity = await identityFromKeys({ publicKey, privateKey: await importSigningKey(pkcs8) })
  const deviceKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const iv = randomBytes(12)
  const data = await encrypt(deviceKey, iv, utf8.encode(identity.public_key), pkcs8)
  return { identity, wrapped: { deviceKey, iv, data } }
}

/**
 * A new identity for this device. NOTE: the pair is made extractable once, so that its private
 * key can be wrapped for later exports; the identity itself holds a non-extractable copy.
 */
export const createDeviceIdentity = async (): Promise<DeviceIdentity> => {
  const { keys } = await createIdentity({ extractable: true })
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey))
  try {
    return await keepOnDevice(pkcs8, keys.publicKey)
  } finally {
    pkcs8.fill(0)
  }
}

/** The private key of `identity` from its wrapped copy, to export it; the caller clears `pkcs8` after use. */
export const unwrapForExport = async (identity: Identity, wrapped: WrappedPrivateKey): Promise<PrivateKeyMaterial> => {
  try {
    const pkcs8 = await decrypt(wrapped.deviceKey, wrapped.iv, utf8.encode(identity.public_key), wrapped.data)
    return { user_id: identity.user_id, public_key: identity.public_key, pkcs8 }
  } catch {
    return fail('damaged', 'This device’s copy of the key cannot be read: it is damaged or belongs to another identity.')
  }
}

const checkPassphrase = (passphrase: string): void => {
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    fail('short-passphrase', `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`)
  }
}

/**
 * The AES key and a check value, both from the passphrase: PBKDF2, then HKDF into the two.
 * NOTE: the check value tells a wrong passphrase from damaged data. It gives a guesser nothing:
 * each guess still costs the full PBKDF2, exactly as trying to decrypt would.
 */
const passphraseKeys = async (passphrase: string, salt: Uint8Array, iterations: number): Promise<{ key: CryptoKey; check: Uint8Array }> => {
  // NOTE: NFC, so that the same passphrase typed on another system (é as one or two code points) still opens it.
  const secret = await crypto.subtle.importKey('raw', utf8.encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, secret, 256)
  const master = await crypto.subtle.importKey('raw', bits, 'HKDF', false, ['deriveKey', 'deriveBits'])
  const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8.encode(info) })
  const key = await crypto.subtle.deriveKey(hkdf('parley identity export: key'), master, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const check = new Uint8Array(await crypto.subtle.deriveBits(hkdf('parley identity export: check'), master, 256))
  return { key, check }
}

/** What the cipher authenticates besides the key: whose key it is, and the fields shown before it is used. */
const associatedData = (backup: Pick<ParsedBackup, 'user_id' | 'public_key' | 'name' | 'exported_at'>): Uint8Array =>
  utf8.encode(JSON.stringify(['parley_identity', BACKUP_VERSION, backup.user_id, backup.public_key, backup.name, backup.exported_at]))

/**
 * Encrypts `secret` with a key derived from `passphrase`, as the text of an export (JSON).
 * Throws IdentityBackupError `short-passphrase`, or `key-mismatch` if the key is not that identity's.
 */
export const exportIdentity = async (secret: PrivateKeyMaterial, passphrase: string, options: ExportOptions = {}): Promise<string> => {
  checkPassphrase(passphrase)
  const name = options.name?.trim().slice(0, LIMITS.nameLength) || null
  const privateKey = await importSigningKey(secret.pkcs8).catch(() => null)
  if (!isPublicKeyOf(secret.public_key, secret.user_id) || privateKey === null || !await keyPairMatches(privateKey, secret.public_key)) {
    fail('key-mismatch', 'This key does not belong to this identity, so it cannot be exported.')
  }
  const header = { user_id: secret.user_id, public_key: secret.public_key, name, exported_at: timestamp(options.clock) }
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const { key, check } = await passphraseKeys(passphrase, salt, PBKDF2_ITERATIONS)
  const data = await encrypt(key, iv, associatedData(header), secret.pkcs8)
  const backup = {
    parley_identity: BACKUP_VERSION,
    about: ABOUT,
    ...header,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS, salt: toBase64Url(salt), check: toBase64Url(check) },
    cipher: { name: 'AES-GCM', iv: toBase64Url(iv) },
    data: toBase64Url(data)
  }
  return `${JSON.stringify(backup, null, 2)}\n`
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Decodes a base64url field of `min` to `max` bytes, or null. */
const bytesOf = (value: unknown, min: number, max: number): Uint8Array | null => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value) || value.length > Math.ceil(max * 4 / 3)) return null
  try {
    const bytes = fromBase64Url(value)
    return bytes.length >= min && bytes.length <= max ? bytes : null
  } catch {
    return null
  }
}

const isPublicKeyOf = (publicKey: unknown, userId: string): publicKey is string => {
  const raw = bytesOf(publicKey, 32, 32)
  return raw !== null && userIdFromPublicKey(raw) === userId
}

const NOT_A_BACKUP = 'This is not a Parley identity export: paste the whole text of the export, or choose its file.'

/** Reads the text of an export; every field is checked, nothing is trusted. */
const parseBackup = (text: string): ParsedBackup => {
  let input: unknown
  try {
    input = text.length <= MAX_TEXT_LENGTH ? JSON.parse(text) : null
  } catch {
    input = null
  }
  if (!isRecord(input) || !('parley_identity' in input)) fail('not-a-backup', NOT_A_BACKUP)
  const version = input.parley_identity
  if (typeof version === 'number' && Number.isInteger(version) && version > BACKUP_VERSION) {
    fail('unsupported-version', `This export was made by a newer version of Parley (format ${version}): update Parley, then import it.`)
  }
  if (version !== BACKUP_VERSION) fail('not-a-backup', NOT_A_BACKUP)
  const { user_id, public_key, name, exported_at, kdf, cipher, data } = input
  if (!isRecord(kdf) || !isRecord(cipher)) fail('not-a-backup', NOT_A_BACKUP)
  if (kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256' || cipher.name !== 'AES-GCM') {
    fail('unsupported-version', 'This export is encrypted in a way this version of Parley does not know.')
  }
  const iterations = kdf.iterations
  const salt = bytesOf(kdf.salt, 16, 64)
  const check = bytesOf(kdf.check, 32, 32)
  const iv = bytesOf(cipher.iv, 12, 12)
  const sealed = bytesOf(data, 17, 1024)
  const nameOk = name === null || (typeof name === 'string' && name.trim() !== '' && name.length <= LIMITS.nameLength)
  if (
    !isId(user_id) || !isTimestamp(exported_at) || !nameOk ||
    typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS ||
    salt === null || check === null || iv === null || sealed === null
  ) {
    fail('damaged', 'This export is damaged: some of its fields are missing or malformed.')
  }
  if (!isPublicKeyOf(public_key, user_id)) fail('key-mismatch', 'This export is damaged: its public key does not match its user id.')
  return { user_id, public_key, name, exported_at, iterations, salt, check, iv, data: sealed }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

/**
 * Reads an export with its passphrase and makes it this device's identity: a non-extractable
 * signing key, checked to sign for the public key whose hash is the user id, and a freshly
 * wrapped copy so this device can export it in turn. Throws IdentityBackupError: `not-a-backup`,
 * `unsupported-version`, `wrong-passphrase`, `damaged` (altered or truncated) or `key-mismatch`.
 */
export const importIdentity = async (text: string, passphrase: string): Promise<ImportedIdentity> => {
  const backup = parseBackup(text.trim())
  const { key, check } = await passphraseKeys(passphrase, backup.salt, backup.iterations)
  if (!sameBytes(check, backup.check)) fail('wrong-passphrase', 'The passphrase is wrong: it does not open this export.')
  const pkcs8 = await decrypt(key, backup.iv, associatedData(backup), backup.data)
    .catch(() => fail('damaged', 'This export is damaged or was altered: it cannot be decrypted.'))
  try {
    const publicKey = await crypto.subtle.importKey('raw', fromBase64Url(backup.public_key) as BufferSource, ED25519, true, ['verify'])
    const device = await keepOnDevice(pkcs8, publicKey)
      .catch(() => fail('key-mismatch', 'This export does not hold a valid Ed25519 private key.'))
    if (device.identity.user_id !== backup.user_id || !await keyPairMatches(device.identity.keys.privateKey, backup.public_key)) {
      fail('key-mismatch', 'The private key in this export does not belong to its user id.')
    }
    return { ...device, name: backup.name, exported_at: backup.exported_at }
  } finally {
    pkcs8.fill(0)
  }
}
