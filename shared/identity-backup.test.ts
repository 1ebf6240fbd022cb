// Moving an identity: device identities keep a wrapped copy of their key, exports open only with
// their passphrase, and anything else (garbage, tampering, another key) fails with its reason.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { ParleyError } from './errors'
import { sign, verify } from './identity'
import {
  BACKUP_VERSION,
  IdentityBackupError,
  PBKDF2_ITERATIONS,
  createDeviceIdentity,
  exportIdentity,
  importIdentity,
  unwrapForExport,
  type BackupFailure,
  type DeviceIdentity,
  type PrivateKeyMaterial
} from './identity-backup'
import { fromBase64Url, toBase64Url } from './ids'

const PASSPHRASE = 'correct horse battery staple'
const bytes = (text: string) => new TextEncoder().encode(text)

/** Runs `attempt` and returns how it failed. */
const failureOf = async (attempt: () => Promise<unknown>): Promise<BackupFailure> => {
  const error = await attempt().then(() => null, (error: unknown) => error)
  if (!(error instanceof IdentityBackupError)) throw new Error(`expected an IdentityBackupError, got ${String(error)}`)
  return error.failure
}

/** The export's JSON with `change` applied, as text again. */
const altered = (text: string, change: (backup: Record<string, any>) => void): string => {
  const backup = JSON.parse(text) as Record<string, any>
  change(backup)
  return JSON.stringify(backup)
}

/** Flips one bit of a base64url field. */
const flipped = (field: string): string => {
  const raw = fromBase64Url(field)
  raw[0]! ^= 1
  return toBase64Url(raw)
}

/**
 * Builds an export from the format's description alone (not with exportIdentity), so that it can
 * also hold what exportIdentity refuses to write, such as one identity's key under another's id.
 */
const sealByHand = async (header: { user_id: string; public_key: string }, pkcs8: Uint8Array, passphrase: string): Promise<string> => {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const secret = await crypto.subtle.importKey('raw', bytes(passphrase), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS }, secret, 256)
  const master = await crypto.subtle.importKey('raw', bits, 'HKDF', false, ['deriveKey', 'deriveBits'])
  const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: bytes(info) })
  const key = await crypto.subtle.deriveKey(hkdf('parley identity export: key'), master, { name: 'AES-GCM', length: 256 }, false, ['encrypt'])
  const check = new Uint8Array(await crypto.subtle.deriveBits(hkdf('parley identity export: check'), master, 256))
  const exported_at = '2026-11-24T08:00:00.000Z'
  const additionalData = bytes(JSON.stringify(['parley_identity', 1, header.user_id, header.public_key, null, exported_at]))
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, pkcs8 as BufferSource))
  return JSON.stringify({
    parley_identity: 1,
    ...header,
    name: null,
    exported_at,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS, salt: toBase64Url(salt), check: toBase64Url(check) },
    cipher: { name: 'AES-GCM', iv: toBase64Url(iv) },
    data: toBase64Url(data)
  })
}

let ada: DeviceIdentity
let bob: DeviceIdentity
let adaKey: PrivateKeyMaterial
let adaExport: string

beforeAll(async () => {
  [ada, bob] = await Promise.all([createDeviceIdentity(), createDeviceIdentity()])
  adaKey = await unwrapForExport(ada.identity, ada.wrapped)
  adaExport = await exportIdentity(adaKey, PASSPHRASE, { name: 'Ada', clock: () => new Date('2026-11-24T08:00:00.000Z') })
})

describe('createDeviceIdentity', () => {
  it('keeps the signing key non-extractable and sign-only, and the device key non-extractable', () => {
    expect(ada.identity.keys.privateKey.extractable).toBe(false)
    expect(ada.identity.keys.privateKey.usages).toEqual(['sign'])
    expect(ada.wrapped.deviceKey.extractable).toBe(false)
    expect(ada.identity.user_id).not.toBe(bob.identity.user_id)
  })

  it('unwraps the private key of its own identity for an export, and refuses another identity’s copy', async () => {
    expect(adaKey).toMatchObject({ user_id: ada.identity.user_id, public_key: ada.identity.public_key })
    expect(adaKey.pkcs8.length).toBeGreaterThan(32)
    expect(await failureOf(() => unwrapForExport(ada.identity, bob.wrapped))).toBe('damaged')
  })
})

describe('exportIdentity', () => {
  it('writes a versioned JSON export that does not hold the key in the clear', () => {
    const backup = JSON.parse(adaExport) as Record<string, any>
    expect(backup).toMatchObject({
      parley_identity: BACKUP_VERSION,
      user_id: ada.identity.user_id,
      public_key: ada.identity.public_key,
      name: 'Ada',
      exported_at: '2026-11-24T08:00:00.000Z',
      kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: 600_000 },
      cipher: { name: 'AES-GCM' }
    })
    expect(fromBase64Url(backup.kdf.salt)).toHaveLength(16)
    expect(fromBase64Url(backup.cipher.iv)).toHaveLength(12)
    expect(adaExport).not.toContain(toBase64Url(adaKey.pkcs8))
    expect(adaExport).not.toContain(toBase64Url(adaKey.pkcs8.subarray(16)))
  })

  it('refuses a passphrase shorter than 8 characters, as invalid input', async () => {
    const error = await exportIdentity(adaKey, 'seven77').catch((error: unknown) => error)
    expect(error).toBeInstanceOf(ParleyError)
    expect(error).toMatchObject({ reason: 'invalid-input', failure: 'short-passphrase' })
    expect((error as Error).message).toMatch(/at least 8 characters/)
  })

  it('refuses to export a key under an identity it does not belong to', async () => {
    const mixed = { ...adaKey, user_id: bob.identity.user_id, public_key: bob.identity.public_key }
    expect(await failureOf(() => exportIdentity(mixed, PASSPHRASE))).toBe('key-mismatch')
  })
})

describe('importIdentity', () => {
  it('gives back the same identity, whose key signs for its public key and is not extractable', async () => {
    const imported = await importIdentity(adaExport, PASSPHRASE)
    expect(imported.identity.user_id).toBe(ada.identity.user_id)
    expect(imported.identity.public_key).toBe(ada.identity.public_key)
    expect(imported).toMatchObject({ name: 'Ada', exported_at: '2026-11-24T08:00:00.000Z' })
    expect(imported.identity.keys.privateKey.extractable).toBe(false)
    await expect(crypto.subtle.exportKey('pkcs8', imported.identity.keys.privateKey)).rejects.toThrow()
    const signature = await sign(imported.identity, bytes('hello from the second device'))
    expect(await verify(ada.identity.public_key, signature, bytes('hello from the second device'))).toBe(true)
  })

  it('lets the second device export the identity in turn, under another passphrase', async () => {
    const imported = await importIdentity(adaExport, PASSPHRASE)
    expect(imported.wrapped.deviceKey.extractable).toBe(false)
    const again = await exportIdentity(await unwrapForExport(imported.identity, imported.wrapped), 'another passphrase')
    expect((await importIdentity(again, 'another passphrase')).identity.user_id).toBe(ada.identity.user_id)
  })

  it('accepts surrounding whitespace and the passphrase typed in another Unicode form', async () => {
    const text = await exportIdentity(adaKey, 'mot de passe café'.normalize('NFC'))
    const imported = await importIdentity(`\n  ${text}\n`, 'mot de passe café'.normalize('NFD'))
    expect(imported.identity.user_id).toBe(ada.identity.user_id)
  })

  it('says when the passphrase is wrong', async () => {
    expect(await failureOf(() => importIdentity(adaExport, 'correct horse battery stapler'))).toBe('wrong-passphrase')
    expect(await failureOf(() => importIdentity(adaExport, ''))).toBe('wrong-passphrase')
  })

  it('says the export is damaged when its encrypted key or an authenticated field was altered', async () => {
    const tampered = [
      altered(adaExport, backup => { backup.data = flipped(backup.data) }),
      altered(adaExport, backup => { backup.cipher.iv = flipped(backup.cipher.iv) }),
      altered(adaExport, backup => { backup.data = backup.data.slice(0, -4) }),
      altered(adaExport, backup => { backup.name = 'Mallory' }),
      altered(adaExport, backup => { backup.exported_at = '2027-01-01T00:00:00.000Z' }),
      // Bob's id and key, consistent with each other, around Ada's encrypted key.
      altered(adaExport, backup => { backup.user_id = bob.identity.user_id; backup.public_key = bob.identity.public_key })
    ]
    for (const text of tampered) expect(await failureOf(() => importIdentity(text, PASSPHRASE))).toBe('damaged')
  })

  it('says so when the user id does not match the public key, or the key is not the user id’s', async () => {
    const wrongId = altered(adaExport, backup => { backup.user_id = bob.identity.user_id })
    expect(await failureOf(() => importIdentity(wrongId, PASSPHRASE))).toBe('key-mismatch')
    // Correctly encrypted, but Ada's private key under Bob's id and public key.
    const wrongKey = await sealByHand({ user_id: bob.identity.user_id, public_key: bob.identity.public_key }, adaKey.pkcs8, PASSPHRASE)
    expect(await failureOf(() => importIdentity(wrongKey, PASSPHRASE))).toBe('key-mismatch')
  })

  it('imports an export built from the format’s description', async () => {
    const text = await sealByHand({ user_id: ada.identity.user_id, public_key: ada.identity.public_key }, adaKey.pkcs8, PASSPHRASE)
    const imported = await importIdentity(text, PASSPHRASE)
    expect(imported.identity.user_id).toBe(ada.identity.user_id)
    expect(imported.name).toBeNull()
  })

  it('tells garbage, a newer format and an unknown cipher apart, without deriving any key', async () => {
    const cases: Array<[string, BackupFailure]> = [
      ['', 'not-a-backup'],
      ['hello', 'not-a-backup'],
      ['[1, 2, 3]', 'not-a-backup'],
      ['{"user_id": "x"}', 'not-a-backup'],
      ['{"parley_identity": "1"}', 'not-a-backup'],
      [`{"parley_identity": 1, "pad": "${'x'.repeat(20_000)}"}`, 'not-a-backup'],
      [altered(adaExport, backup => { backup.parley_identity = 2 }), 'unsupported-version'],
      [altered(adaExport, backup => { backup.kdf.name = 'argon2id' }), 'unsupported-version'],
      [altered(adaExport, backup => { backup.cipher.name = 'ChaCha20-Poly1305' }), 'unsupported-version'],
      [altered(adaExport, backup => { delete backup.data }), 'damaged'],
      [altered(adaExport, backup => { backup.kdf.salt = 'not base64!' }), 'damaged'],
      [altered(adaExport, backup => { backup.kdf.iterations = 1e9 }), 'damaged'],
      [altered(adaExport, backup => { backup.name = 'x'.repeat(65) }), 'damaged'],
      [altered(adaExport, backup => { backup.public_key = 'AAAA' }), 'key-mismatch']
    ]
    // None of them gets as far as the passphrase: a derivation costs a good fraction of a second.
    const derivations = vi.spyOn(crypto.subtle, 'deriveBits')
    try {
      for (const [text, failure] of cases) expect(await failureOf(() => importIdentity(text, PASSPHRASE)), text.slice(0, 80)).toBe(failure)
      expect(derivations).not.toHaveBeenCalled()
    } finally {
      derivations.mockRestore()
    }
  })
})
