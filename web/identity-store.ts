// The person using this browser: an Ed25519 key pair kept in its own IndexedDB database, with a
// device-wrapped copy of the private key so that the identity can be exported to another device.
import { identityFromKeys, type Identity } from '../client'
import {
  IdentityBackupError,
  createDeviceIdentity,
  exportIdentity,
  importIdentity,
  unwrapForExport,
  type DeviceIdentity,
  type ImportedIdentity,
  type WrappedPrivateKey
} from '../shared/identity-backup'

const DATABASE = 'parley-identity'
const STORE = 'keys'
const CURRENT = 'current'
/** Tells this browser's other tabs that the identity was replaced, so they reload into it. */
const CHANNEL = 'parley-identity'
/** Session storage: who was just imported, for the page that loads next. */
const WELCOME = 'parley-imported-identity'

/**
 * What is stored under CURRENT: the key pair itself (the signing key non-extractable), plus the
 * wrapped copy of its private key. NOTE: a key pair with one more field, so that readers of the
 * older record (a bare CryptoKeyPair) still find `publicKey` and `privateKey` where they were.
 * Identities stored before export existed have no `wrapped`.
 */
interface StoredKeys extends CryptoKeyPair {
  wrapped?: WrappedPrivateKey
}

const settle = <T>(request: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result)
  request.onerror = () => reject(request.error)
})

const openDatabase = (): Promise<IDBDatabase> => {
  const opening = indexedDB.open(DATABASE, 1)
  opening.onupgradeneeded = () => { opening.result.createObjectStore(STORE) }
  return settle(opening)
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

const isWrapped = (value: unknown): value is WrappedPrivateKey =>
  isRecord(value) && value.deviceKey instanceof CryptoKey && value.iv instanceof Uint8Array && value.data instanceof Uint8Array

const isStoredKeys = (value: unknown): value is StoredKeys =>
  isRecord(value) && value.publicKey instanceof CryptoKey && value.privateKey instanceof CryptoKey &&
  (value.wrapped === undefined || isWrapped(value.wrapped))

const recordOf = ({ identity, wrapped }: DeviceIdentity): StoredKeys =>
  ({ publicKey: identity.keys.publicKey, privateKey: identity.keys.privateKey, wrapped })

const readKeys = async (): Promise<StoredKeys | null> => {
  const db = await openDatabase()
  try {
    const stored: unknown = await settle(db.transaction(STORE).objectStore(STORE).get(CURRENT))
    return isStoredKeys(stored) ? stored : null
  } finally {
    db.close()
  }
}

/**
 * Stores `keys` unless a pair is stored already (or, with `replace`, in any case), in one
 * transaction, and returns the pair kept.
 * NOTE: two tabs opened together may both make a key pair; this keeps the first one written.
 */
const storeKeys = async (keys: StoredKeys, { replace = false } = {}): Promise<StoredKeys> => {
  const db = await openDatabase()
  try {
    return await new Promise<StoredKeys>((resolve, reject) => {
      const transaction = db.transaction(STORE, 'readwrite')
      const store = transaction.objectStore(STORE)
      let kept = keys
      const reading = store.get(CURRENT)
      reading.onsuccess = () => {
        if (!replace && isStoredKeys(reading.result)) kept = reading.result
        else store.put(keys, CURRENT)
      }
      transaction.oncomplete = () => resolve(kept)
      transaction.onerror = () => reject(transaction.error)
      transaction.onabort = () => reject(transaction.error ?? new Error('storing the identity was aborted'))
    })
  } finally {
    db.close()
  }
}

export interface StoredIdentity {
  identity: Identity
  /** True when the key pair was made just now: no profile can exist for it yet. */
  created: boolean
}

/** The identity stored in this browser, made (signing key non-extractable, wrapped copy beside it) and stored on the first visit. */
export const loadIdentity = async (): Promise<StoredIdentity> => {
  const stored = await readKeys()
  if (stored) return { identity: await identityFromKeys(stored), created: false }
  const fresh = recordOf(await createDeviceIdentity())
  const kept = await storeKeys(fresh)
  return { identity: await identityFromKeys(kept), created: kept === fresh }
}

/** Why an identity stored before export existed cannot be exported, for the person to read. */
export const NOT_EXPORTABLE = 'This identity was created before export existed, so this browser cannot export it: its private key ' +
  'was stored where no script, Parley’s included, can read it back. It lives only in this browser: keep this browser’s data.'

/** Whether this browser can export its identity: false for one stored before export existed. */
export const canExportStoredIdentity = async (): Promise<boolean> => (await readKeys())?.wrapped !== undefined

/**
 * The stored identity as the text of an export, encrypted with `passphrase`. `user_id` is the
 * identity the page runs as: if another tab replaced it meanwhile, this refuses rather than
 * export someone the page does not show. Throws IdentityBackupError (`short-passphrase`,
 * `not-exportable` for an identity stored before export existed).
 */
export const exportStoredIdentity = async (passphrase: string, { user_id, name }: { user_id: string; name?: string | null }): Promise<string> => {
  const stored = await readKeys()
  const identity = stored === null ? null : await identityFromKeys(stored)
  if (stored === null || identity === null || identity.user_id !== user_id) {
    throw new IdentityBackupError('not-exportable', 'This browser now holds another identity (changed in another tab): reload the page.')
  }
  if (!stored.wrapped) throw new IdentityBackupError('not-exportable', NOT_EXPORTABLE)
  const secret = await unwrapForExport(identity, stored.wrapped)
  try {
    return await exportIdentity(secret, passphrase, { name })
  } finally {
    secret.pkcs8.fill(0)
  }
}

/**
 * Reads an export with its passphrase and, only if `confirm` says yes (the person has seen
 * whose identity it is), makes it this browser's identity in place of the current one; returns
 * it, or null when not confirmed. Other tabs of this browser are told to reload; so should the
 * caller, to run as the imported person. Throws IdentityBackupError for an export it cannot read.
 */
export const importIdentityIntoBrowser = async (
  text: string,
  passphrase: string,
  confirm: (imported: ImportedIdentity) => boolean | Promise<boolean>
): Promise<ImportedIdentity | null> => {
  const imported = await importIdentity(text, passphrase)
  if (!await confirm(imported)) return null
  await storeKeys(recordOf(imported), { replace: true })
  try {
    sessionStorage.setItem(WELCOME, JSON.stringify({ user_id: imported.identity.user_id, name: imported.name }))
  } catch {
    // No session storage (private mode quirks): the join form simply will not greet them by name.
  }
  const channel = new BroadcastChannel(CHANNEL)
  channel.postMessage({ replaced: imported.identity.user_id })
  channel.close()
  return imported
}

/** Calls `onreplaced` when another tab of this browser replaced the identity; returns the unsubscribe. */
export const subscribeToIdentityReplaced = (onreplaced: () => void): (() => void) => {
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = () => onreplaced()
  return () => channel.close()
}

/**
 * After an import the page reloads into the imported identity; if its profile has not arrived
 * from the relay yet, the join form can greet the person with the name the export carried.
 * Returns that once (null if this tab imported nobody, or the stored identity is someone else).
 */
export const takeImportWelcome = async (): Promise<{ name: string | null } | null> => {
  let welcome: unknown = null
  try {
    const saved = sessionStorage.getItem(WELCOME)
    sessionStorage.removeItem(WELCOME)
    welcome = saved === null ? null : JSON.parse(saved)
  } catch {
    return null
  }
  if (!isRecord(welcome) || typeof welcome.user_id !== 'string') return null
  const stored = await readKeys()
  if (stored === null || (await identityFromKeys(stored)).user_id !== welcome.user_id) return null
  return { name: typeof welcome.name === 'string' ? welcome.name : null }
}
