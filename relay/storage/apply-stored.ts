// Loading a room's stored updates into its document without holding the relay's event loop for long.
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as Y from 'yjs'
import { StorageError } from './store'
import { dropPending, pendingOf } from '../../shared/yjs-internals'

/**
 * Bytes of stored updates applied in one turn of the event loop (~1.5 ms of Yjs on the reference
 * machine). NOTE: loading a room is the relay's longest piece of work (10–40 ms per 1,000
 * messages as appended updates): in one go, every other room's messages would wait for it. A
 * single update (a compacted room) is still applied in one step: Yjs cannot split it.
 */
const BYTES_PER_TURN = 64 * 1024

/**
 * Applies a room's stored updates to `doc` in order, a slice per turn of the event loop; one
 * that cannot be read means the store is corrupt.
 */
export const applyStored = async (doc: Y.Doc, room: string, updates: readonly Uint8Array[], origin: unknown = null): Promise<void> => {
  let next = 0
  while (next < updates.length) {
    if (next > 0) await nextTurn()
    try {
      doc.transact(() => {
        let bytes = 0
        while (next < updates.length && bytes < BYTES_PER_TURN) {
          const update = updates[next++]!
          bytes += update.byteLength
          Y.applyUpdate(doc, update, origin)
        }
      }, origin)
    } catch (error) {
      throw new StorageError('corrupt', `room ${room} has an unreadable update`, { cause: error })
    }
  }
}

/**
 * What of the stored updates Yjs kept pending, in words, after dropping it from `doc`; null when
 * it applied everything. Stored updates build on each other only when records went missing from
 * the store (a damaged disk, a repair): the relay stores nothing it could not apply.
 * NOTE: dropped rather than kept, because a pending structure would be shipped to every newcomer
 * and trips the check in receiveUpdate, closing the next writer; the updates stay in the store,
 * and the writers' devices send what is missing when they next sync.
 */
export const leftPending = (doc: Y.Doc): string | null => {
  const pending = pendingOf(doc)
  if (pending === null) return null
  dropPending(doc)
  const clients = [...pending.missing].sort(([a], [b]) => a - b)
  const needs = clients.slice(0, 3).map(([client, clock]) => `client ${client} needs clock ${clock}`).join(', ')
  return [
    clients.length > 0 ? `updates of ${clients.length} Yjs client(s) left out: updates they build on are missing (${needs}${clients.length > 3 ? ', …' : ''})` : '',
    pending.deletions ? 'deletions of items the room does not hold left out' : ''
  ].filter(Boolean).join('; ')
}
