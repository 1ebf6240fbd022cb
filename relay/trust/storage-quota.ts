// What each user stores in a room: the live values written under their client ids, read from the document, and the quota on it.
import type * as Y from 'yjs'
import type { EntryChange } from './trial-copy'

/**
 * An entry's size as counted against its writer: its JSON length. NOTE: UTF-16 units, not
 * bytes; close enough for a quota, and what a parser already measures.
 */
export const entryBytes = (value: unknown): number => value === undefined ? 0 : JSON.stringify(value)?.length ?? 0

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
      const entries = (type as unknown as { _map?: Map<string, Y.Item> })._map
      for (const item of entries?.values() ?? []) {
        if (item.deleted) continue
        usage.add(ownerOf(item.id.client) ?? '', entryBytes(item.content.getContent().at(-1)))
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

/** How an update's changes move bytes between users: each new live value counts for its writer, each replaced one stops counting for its own. */
export const usageDeltas = (changes: readonly EntryChange[], ownerOf: OwnerOf): Map<string, number> => {
  const deltas = new Map<string, number>()
  const add = (client: number, bytes: number) => {
    const owner = ownerOf(client) ?? ''
    deltas.set(owner, (deltas.get(owner) ?? 0) + bytes)
  }
  for (const change of changes) {
    if (!change.replaced) continue
    if (change.beforeClient !== null) add(change.beforeClient, -entryBytes(change.before))
    if (change.afterClient !== null) add(change.afterClient, entryBytes(change.after))
  }
  return deltas
}
