// An identity kept in a JSON file, for scripts and bots in Node: the Ed25519 private key as a JWK, readable by its owner only.
import { randomBytes } from 'node:crypto'
import { link, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createIdentity, identityFromKeys, type Identity } from '../shared/identity'
import { fromBase64Url, isId, userIdFromPublicKey } from '../shared/ids'

/** The file format's version: the value of its `parley_identity_file` field. */
export const IDENTITY_FILE_VERSION = 1

export type IdentityFileFailure = 'missing' | 'corrupt' | 'key-mismatch' | 'exists' | 'not-extractable'

/** Why an identity file could not be written or read; `failure` says which way. */
export class IdentityFileError extends Error {
  constructor (readonly failure: IdentityFileFailure, readonly file: string, message: string) {
    super(message)
    this.name = 'IdentityFileError'
  }
}

interface IdentityFile {
  parley_identity_file: typeof IDENTITY_FILE_VERSION
  user_id: string
  /** Raw Ed25519 public key, base64url. */
  public_key: string
  /** The private key as a JWK; its `x` is `public_key`. */
  private_key: { kty: 'OKP'; crv: 'Ed25519'; d: string; x: string }
}

const ALGORITHM = { name: 'Ed25519' } as const

export interface WriteOptions {
  /** Replace a file that is already there (default: refuse). */
  force?: boolean
}

/**
 * Makes a new identity and saves it to `file`. The key is created extractable only so that it
 * can be written out; what is returned was read back from the file, non-extractable.
 */
export const createIdentityFile = async (file: string, options: WriteOptions = {}): Promise<Identity> => {
  await saveIdentityFile(await createIdentity({ extractable: true }), file, options)
  return loadIdentityFile(file)
}

/** Saves an identity whose private key is extractable, with mode 0600, refusing to overwrite unless `force`. */
export const saveIdentityFile = async (identity: Identity, file: string, { force = false }: WriteOptions = {}): Promise<void> => {
  if (!identity.keys.privateKey.extractable) {
    throw new IdentityFileError('not-extractable', file, 'this identity\'s private key is not extractable, so it cannot be saved to a file')
  }
  const contents: IdentityFile = {
    parley_identity_file: IDENTITY_FILE_VERSION,
    user_id: identity.user_id,
    public_key: identity.public_key,
    private_key: await privateJwk(identity.keys.privateKey)
  }
  // NOTE: written whole to a temporary file beside it, then moved in place, so that a crash never
  // leaves half a key behind; link() fails if the target exists, rename() replaces it.
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  await writeFile(temporary, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  try {
    if (force) {
      await rename(temporary, file)
    } else {
      await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new IdentityFileError('exists', file, `${file} already exists: not overwriting it (use --force to replace it)`)
        throw error
      })
    }
  } finally {
    await unlink(temporary).catch(() => {})
  }
}

const privateJwk = async (key: CryptoKey): Promise<IdentityFile['private_key']> => {
  const { d, x } = await crypto.subtle.exportKey('jwk', key)
  return { kty: 'OKP', crv: 'Ed25519', d: d!, x: x! }
}

export interface LoadOptions {
  /** Told of a file other users of the machine may read or change (default: printed on stderr). */
  onWarning?: (text: string) => void
}

const warnOnStderr = (text: string): void => { process.stderr.write(`${text}\n`) }

/** `file` as one word for a POSIX shell. */
const shellWord = (file: string): string => /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replaceAll("'", "'\\''")}'`

/**
 * A warning when `mode` lets the group or others read or change the file, else null.
 * NOTE: a warning, not a refusal: a file copied with the wrong mode still works, and the person
 * running a script sees what to do. Windows has no such bits: nothing is said there.
 */
export const permissionWarning = (file: string, mode: number, platform: string = process.platform): string | null => {
  if (platform === 'win32' || (mode & 0o077) === 0) return null
  return `warning: the identity file ${file} is open to other users of this machine (mode ${(mode & 0o777).toString(8)}): ` +
    `anyone who can read it can sign as you. Make it yours alone: chmod 600 ${shellWord(file)}`
}

/**
 * Reads an identity file and checks that its key is whole and belongs to its user_id; the key is
 * imported non-extractable. Warns (stderr by default) when others may read or change the file.
 */
export const loadIdentityFile = async (file: string, { onWarning = warnOnStderr }: LoadOptions = {}): Promise<Identity> => {
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdentityFileError('missing', file, `no identity file at ${file} (create one with: npm run parley -- identity new --file ${file})`)
    }
    throw error
  }
  let text: string
  try {
    // The mode of the file read, not of whatever the name points to a moment later.
    const warning = permissionWarning(file, (await handle.stat()).mode)
    if (warning !== null) onWarning(warning)
    text = await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
  const parsed = parseIdentityFile(text)
  if (typeof parsed === 'string') throw new IdentityFileError('corrupt', file, `${file} is not a Parley identity file: ${parsed}`)
  const publicKey = fromBase64Url(parsed.public_key)
  if (userIdFromPublicKey(publicKey) !== parsed.user_id) {
    throw new IdentityFileError('key-mismatch', file, `the public key in ${file} does not belong to user ${parsed.user_id}`)
  }
  const derived = await publicKeyOf(parsed.private_key.d)
  if (derived === null) throw new IdentityFileError('corrupt', file, `${file} holds a private key that could not be read`)
  if (derived !== parsed.public_key || parsed.private_key.x !== parsed.public_key) {
    throw new IdentityFileError('key-mismatch', file, `the private key in ${file} is not the key of user ${parsed.user_id}`)
  }
  return identityFromKeys({
    privateKey: await crypto.subtle.importKey('jwk', parsed.private_key, ALGORITHM, false, ['sign']),
    publicKey: await crypto.subtle.importKey('raw', publicKey as BufferSource, ALGORITHM, true, ['verify'])
  })
}

/** PKCS#8 for an Ed25519 private key is this fixed header, then the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_HEADER = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20)

/**
 * The raw public key (base64url) belonging to a private key's seed, or null if it is not one.
 * NOTE: derived from the seed alone, so that a file whose `d` is someone else's is told apart
 * from a damaged one (WebCrypto only says "invalid" when `x` and `d` disagree). The key
 * imported here is extractable only to read its public half and is dropped at once.
 */
const publicKeyOf = async (seed: string): Promise<string | null> => {
  try {
    const bytes = fromBase64Url(seed)
    if (bytes.length !== 32) return null
    const pkcs8 = new Uint8Array(PKCS8_ED25519_HEADER.length + 32)
    pkcs8.set(PKCS8_ED25519_HEADER)
    pkcs8.set(bytes, PKCS8_ED25519_HEADER.length)
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, true, ['sign'])
    return (await crypto.subtle.exportKey('jwk', key)).x ?? null
  } catch {
    return null
  }
}

/** The file's contents with every field checked, or why not. */
const parseIdentityFile = (text: string): IdentityFile | string => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object'
  const { parley_identity_file: version, user_id, public_key, private_key } = value as Record<string, unknown>
  if (version !== IDENTITY_FILE_VERSION) return `unknown version ${JSON.stringify(version)}`
  if (!isId(user_id)) return 'no valid user_id'
  if (typeof public_key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(public_key)) return 'no valid public_key'
  if (typeof private_key !== 'object' || private_key === null) return 'no private_key'
  const { kty, crv, d, x } = private_key as Record<string, unknown>
  if (kty !== 'OKP' || crv !== 'Ed25519' || typeof d !== 'string' || typeof x !== 'string') return 'private_key is not an Ed25519 JWK'
  return { parley_identity_file: IDENTITY_FILE_VERSION, user_id, public_key, private_key: { kty, crv, d, x } }
}
