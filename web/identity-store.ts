// The person using this browser: an Ed25519 key pair kept in its own IndexedDB database.
import { createIdentity, identityFromKeys, type Identity } from '../shared'

const DATABASE = 'parley-identity'
const STORE = 'keys'
const CURRENT = 'current'

const settle = <T>(request: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result)
  request.onerror = () => reject(request.error)
})

const openDatabase = (): Promise<IDBDatabase> => {
  const opening = indexedDB.open(DATABASE, 1)
  opening.onupgradeneeded = () => { opening.result.createObjectStore(STORE) }
  return settle(opening)
}

const isKeyPair = (value: unknown): value is CryptoKeyPair =>
  typeof value === 'object' && value !== null &&
  (value as CryptoKeyPair).publicKey instanceof CryptoKey && (value as CryptoKeyPair).privateKey instanceof CryptoKey

const readKeys = async (db: IDBDatabase): Promise<CryptoKeyPair | null> => {
  const stored: unknown = await settle(db.transaction(STORE).objectStore(STORE).get(CURRENT))
  return isKeyPair(stored) ? stored : null
}

/**
 * Stores `keys` unless a pair is stored already, in one transaction, and returns the pair kept.
 * NOTE: two tabs opened together may both make a key pair; this keeps the first one written.
 */
const keepFirstKeys = (db: IDBDatabase, keys: CryptoKeyPair): Promise<CryptoKeyPair> => new Promise((resolve, reject) => {
  const transaction = db.transaction(STORE, 'readwrite')
  const store = transaction.objectStore(STORE)
  let kept = keys
  const reading = store.get(CURRENT)
  reading.onsuccess = () => {
    if (isKeyPair(reading.result)) kept = reading.result
    else store.put(keys, CURRENT)
  }
  transaction.oncomplete = () => resolve(kept)
  transaction.onerror = () => reject(transaction.error)
  transaction.onabort = () => reject(transaction.error ?? new Error('storing the identity was aborted'))
})

export interface StoredIdentity {
  identity: Identity
  /** True when the key pair was made just now: no profile can exist for it yet. */
  created: boolean
}

/** The identity stored in this browser, made (non-extractable) and stored on the first visit. */
export const loadIdentity = async (): Promise<StoredIdentity> => {
  const db = await openDatabase()
  try {
    const stored = await readKeys(db)
    if (stored) return { identity: await identityFromKeys(stored), created: false }
    const fresh = await createIdentity()
    const kept = await keepFirstKeys(db, fresh.keys)
    return { identity: await identityFromKeys(kept), created: kept === fresh.keys }
  } finally {
    db.close()
  }
}
