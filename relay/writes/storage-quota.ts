// What each user stores in a room: the live values written under their client ids, read from the document, and the quota on it.
import type * as Y from 'yjs'
import { entryItems, itemValue } from '../../shared/yjs-internals'
import type { EntryChange } from './update-effect'

/**
 * An entry's size as counted against its writer: its JSON length. NOTE: UTF-16 units, not
 * bytes; close enough for a quota, and what a parser already measures.
 */
export const entryBytes = (value: unknown): number => value === undefined ? 0 : JSON.stringify(value)?.length ?? 0

/**
 * What a deleted entry's last item costs: its key and a few bytes of item. NOTE: counted against
 * the writer of that item, so that nobody leaves tombstones by the million for free.
 */
export const tombstoneBytes = (key: string): number => key.length + 16

/** An entry's weight: its value's size, or a tombstone's, or nothing. */
const weightOf = (key: string, value: unknown, deleted: boolean): number =>
  value !== undefined ? entryBytes(value) : deleted ? tombstoneBytes(key) : 0

/** Who wrote a value, by the client id of its item; '' for ids nobody owns. */
export type OwnerOf = (client: number) => string | undefined

/**
 * The bytes each user holds live in one room. Worked out from the document when first needed
 * (so nothing needs storing: it survives restarts by construction), then kept up to date with
 * each accepted update's changes.
 */
export class RoomUsage {
  private readonly bytes = new Map<string, number>()

  /** Reads every live entry of `doc`, counting each against the owner of the client id it was written under. */
  static of (doc: Y.Doc, ownerOf: OwnerOf): RoomUsage {
    const usage = new RoomUsage()
    for (const type of doc.share.values()) {
      for (const [key, item] of entryItems(type)) {
        usage.add(ownerOf(item.id.client) ?? '', weightOf(key, itemValue(item), item.deleted))
      }
    }
    return usage
  }

  bytesOf (user_id: string): number { return this.bytes.get(user_id) ?? 0 }

  apply (deltas: ReadonlyMap<string, number>): void {
    for (const [user_id, delta] of deltas) this.add(user_id, delta)
  }

  private add (user_id: string, delta: number): void {
    const bytes = this.bytesOf(user_id) + delta
    if (bytes > 0) this.bytes.set(user_id, bytes)
    else this.bytes.delete(user_id)
  }
}

/** How an update's changes move bytes between users: each entry's last item counts for its writer (a value, or a tombstone), the one it replaced stops counting for its own. */
export const usageDeltas = (changes: readonly EntryChange[], ownerOf: OwnerOf): Map<string, number> => {
  const deltas = new Map<string, number>()
  const add = (client: number, bytes: number) => {
    const owner = ownerOf(client) ?? ''
    deltas.set(owner, (deltas.get(owner) ?? 0) + bytes)
  }
  for (const change of changes) {
    if (!change.replaced) continue
    if (change.beforeClient !== null) add(change.beforeClient, -weightOf(change.key, change.before, change.tombstone))
    if (change.afterClient !== null) add(change.afterClient, weightOf(change.key, change.after, change.tombstoneAfter))
  }
  return deltas
}
