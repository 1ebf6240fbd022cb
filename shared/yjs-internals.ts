// The one place Parley reads Yjs internals: what Yjs 13 keeps but does not expose. yjs-internals.test.ts pins each assumption.
import * as Y from 'yjs'

/*
 * NOTE: each of these reads a field Yjs 13 types as public but documents nowhere, or one it
 * does not type at all; Yjs 14 moves several. Everything else in Parley goes through Yjs's
 * public API, so that moving to Yjs 14 means changing this module (and its test says what).
 */

/**
 * A map's entries as Yjs keeps them: each key's last item, alive or deleted (a deleted entry's
 * last item stays: a tombstone). Empty for a type that is not a map.
 */
export const entryItems = (type: Y.AbstractType<any>): ReadonlyMap<string, Y.Item> =>
  (type as unknown as { _map?: Map<string, Y.Item> })._map ?? new Map()

/** The item holding a map key's current value (or its tombstone). */
export const entryItem = (map: Y.AbstractType<any>, key: string): Y.Item | undefined => entryItems(map).get(key)

/** The value an item holds now; undefined once it is deleted (its content may be collected). */
export const itemValue = (item: Y.Item): unknown => item.deleted ? undefined : item.content.getContent().at(-1)

/** A Yjs client's structs in `doc`, in clock order (items and garbage-collected ranges). */
export const clientStructs = (doc: Y.Doc, client: number): ReadonlyArray<Y.Item | Y.GC> =>
  (doc.store.clients.get(client) ?? []) as Array<Y.Item | Y.GC>

/** Whether `doc` holds anything at all (any client's structs). */
export const holdsAnything = (doc: Y.Doc): boolean => doc.store.clients.size > 0

/** What Yjs keeps pending in `doc`: structs whose dependencies it lacks (first clock missing per client), and deletions of items it lacks. */
export interface Pending {
  missing: ReadonlyMap<number, number>
  deletions: boolean
}

/** What `doc` keeps pending, or null when nothing. */
export const pendingOf = (doc: Y.Doc): Pending | null => {
  const { pendingStructs, pendingDs } = doc.store
  if (pendingStructs === null && pendingDs === null) return null
  return { missing: pendingStructs?.missing ?? new Map(), deletions: pendingDs !== null }
}

/** Forgets what `doc` keeps pending (it would otherwise be shipped to every peer that syncs). */
export const dropPending = (doc: Y.Doc): void => {
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
}
