// What a room's stored updates become when loaded or compacted: the state a garbage-collected Y.Doc holds, and when rewriting them pays.
import * as Y from 'yjs'
import { rewritePays } from '../../shared/compaction-policy'
import { StorageError } from './store'

/** Applies a room's stored updates to `doc`, in one transaction; one that cannot be read means the store is corrupt. */
export const applyStored = (doc: Y.Doc, room: string, updates: readonly Uint8Array[], origin: unknown = null): void => {
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update, origin)
    }, origin)
  } catch (error) {
    throw new StorageError('corrupt', `room ${room} has an unreadable update`, { cause: error })
  }
}

/**
 * The state `updates` make together, as a garbage-collected Y.Doc encodes it: an overwritten
 * or deleted value keeps its place (a run of deleted items) but not its content.
 * NOTE: not Y.mergeUpdates, which keeps the content of every value ever overwritten (every
 * activity entry a conversation's index has had: ~300 bytes a send) and slows down with the
 * number of updates far faster than linearly (~0.1 s for 1,000 message updates, against ~40 ms
 * here). Anything pending (which the relay never accepts) is kept as it is.
 */
export const collectedState = (updates: readonly Uint8Array[]): Uint8Array => {
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

/** The update to store in place of `updates`, or null when rewriting them would not pay (compaction-policy.ts). */
export const compactionOf = (updates: readonly Uint8Array[]): Uint8Array | null => {
  if (updates.length === 0) return null
  const state = collectedState(updates)
  const storedBytes = updates.reduce((sum, update) => sum + update.byteLength, 0)
  return rewritePays({ storedBytes, storedUpdates: updates.length, stateBytes: state.byteLength }) ? state : null
}
