// Baseline (the relay before da2278b): reads what an incoming update would do to a room, entry by entry, from its encoding, before Yjs applies it.
import * as Y from 'yjs'

/*
 * NOTE: the relay's judge before it judged what Yjs does (commit da2278b^), kept only as the benchmark's
 * baseline; never used by the relay. It predicted from an update's encoding which entries it
 * would write, and hand-made encodings beat that prediction (test/forgery-effects.test.ts).
 * Copied as it was, imports aside: do not fix it, or the baseline stops being the old judge.
 */

/*
 * Every Parley document is a set of root Y.Maps whose values are plain JSON (ContentAny).
 * So any update is a list of entry writes: (root map, key, new value or deletion). That is
 * what the write rules judge. Traps this module exists for:
 * - An item with a left or right neighbour (`origin`, `rightOrigin`) does not carry its
 *   parent or key in the update: they are the neighbour's, looked up in the update itself or
 *   in the relay's document.
 * - Overwriting a key deletes the old value while integrating, whatever the update's delete
 *   set says; and an item inserted already deleted (ContentDeleted) at the end of a key's list
 *   makes the key look deleted. Both count as writes to that key.
 * - A reference the relay cannot resolve means the update depends on something it has not
 *   seen: it is "missing", to be held back, never applied (it would sit in the document's
 *   pending structures and be shipped to every newcomer).
 */

export interface EntryWrite {
  /** The root map's name ('users', 'messages', …). */
  root: string
  key: string
  /** The new value, or `deleted` for a deletion or an already-deleted item. */
  value: unknown
  deleted: boolean
}

export type InspectionFailure = 'malformed' | 'not-a-map-entry' | 'nested-type' | 'unsupported-content' | 'gap' | 'gc-struct'

export type Inspection =
  /** `newClients`: Yjs client ids the relay's copy has never held. */
  | { ok: true; writes: EntryWrite[]; newClients: number[] }
  | { ok: false; reason: InspectionFailure }
  /** Depends on something the relay does not hold; `on` is the first such reference. */
  | { ok: 'missing'; on: Y.ID }

type Located = { root: string; key: string } | InspectionFailure | { missing: Y.ID }

interface DecodedItem {
  id: Y.ID
  length: number
  origin: Y.ID | null
  rightOrigin: Y.ID | null
  parent: string | Y.ID | null
  parentSub: string | null
  content: unknown
}

const isItem = (struct: unknown): struct is DecodedItem & Y.Item => struct instanceof Y.Item

/** The root map's name of a type in `doc`, or null for a nested type. */
const rootName = (doc: Y.Doc, type: unknown): string | null => {
  for (const [name, shared] of doc.share) if (shared === type) return name
  return null
}

export const inspectUpdate = (doc: Y.Doc, update: Uint8Array): Inspection => {
  let structs: Array<Y.Item | Y.GC | Y.Skip>
  let ds: { clients: Map<number, Array<{ clock: number; len: number }>> }
  try {
    ({ structs, ds } = Y.decodeUpdate(update) as unknown as { structs: typeof structs; ds: typeof ds })
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  const store = doc.store
  // The update's own structs by client, in clock order (as decodeUpdate returns them).
  const incoming = new Map<number, Array<Y.Item | Y.GC | Y.Skip>>()
  for (const struct of structs) {
    if (struct instanceof Y.Skip) return { ok: false, reason: 'gap' }
    let list = incoming.get(struct.id.client)
    if (!list) incoming.set(struct.id.client, list = [])
    const previous = list.at(-1)
    // Each client's structs must follow each other, and start where the relay's copy ends (or before).
    const expected = previous ? previous.id.clock + previous.length : null
    if (expected === null ? struct.id.clock > Y.getState(store, struct.id.client) : struct.id.clock !== expected) {
      return { ok: 'missing', on: Y.createID(struct.id.client, expected ?? Y.getState(store, struct.id.client)) }
    }
    list.push(struct)
  }

  const locatedIncoming = new Map<DecodedItem, Located>()
  const findIncoming = (id: Y.ID): Y.Item | Y.GC | null => {
    for (const struct of incoming.get(id.client) ?? []) {
      if (id.clock >= struct.id.clock && id.clock < struct.id.clock + struct.length) return struct as Y.Item | Y.GC
    }
    return null
  }

  const locateStored = (id: Y.ID): Located => {
    const item = Y.getItem(store, id) as unknown
    if (!isItem(item)) return 'malformed'
    const root = rootName(doc, item.parent)
    if (root === null) return 'nested-type'
    return item.parentSub === null ? 'not-a-map-entry' : { root, key: item.parentSub }
  }

  const locate = (item: DecodedItem, depth = 0): Located => {
    const known = locatedIncoming.get(item)
    if (known) return known
    let located: Located
    if (item.parent !== null) {
      if (typeof item.parent !== 'string') located = 'nested-type'
      else located = item.parentSub === null ? 'not-a-map-entry' : { root: item.parent, key: item.parentSub }
    } else {
      const neighbour = item.origin ?? item.rightOrigin
      if (neighbour === null) located = 'malformed'
      else if (neighbour.clock < Y.getState(store, neighbour.client)) located = locateStored(neighbour)
      else {
        const inUpdate = findIncoming(neighbour)
        // NOTE: depth-bounded: a chain of neighbours inside one update is as long as its item count.
        located = inUpdate && isItem(inUpdate) && inUpdate !== item && depth < structs.length
          ? locate(inUpdate, depth + 1)
          : { missing: neighbour }
      }
    }
    locatedIncoming.set(item, located)
    return located
  }

  const writes: EntryWrite[] = []
  for (const struct of structs) {
    // Parts the relay already holds change nothing.
    if (struct.id.clock + struct.length <= Y.getState(store, struct.id.client)) continue
    // NOTE: a GC struct writes no entry, yet adds its client to the document for every newcomer
    // to download; an honest Parley client never sends one (its replaced values become
    // ContentDeleted items, since root maps are never deleted).
    if (!isItem(struct)) return { ok: false, reason: 'gc-struct' }
    const located = locate(struct)
    if (typeof located === 'string') return { ok: false, reason: located }
    if ('missing' in located) return { ok: 'missing', on: located.missing }
    const content = struct.content
    if (content instanceof Y.ContentDeleted) {
      writes.push({ ...located, value: undefined, deleted: true })
    } else if (content instanceof Y.ContentAny && content.arr.length === 1) {
      writes.push({ ...located, value: content.arr[0], deleted: false })
    } else {
      return { ok: false, reason: 'unsupported-content' }
    }
  }

  // Deletions of entries the relay holds: each is a write of "deleted" to that entry's key.
  for (const [client, ranges] of ds.clients) {
    const stored = store.clients.get(client) ?? []
    const state = Y.getState(store, client)
    for (const { clock, len } of ranges) {
      const end = clock + len
      if (end > state) {
        // What lies beyond the relay's copy must be in the update itself.
        const own = incoming.get(client)
        const last = own?.at(-1)
        if (!last || end > last.id.clock + last.length) return { ok: 'missing', on: Y.createID(client, Math.max(clock, state)) }
      }
      if (clock >= state || stored.length === 0) continue
      for (let index = Y.findIndexSS(stored, clock); index < stored.length; index++) {
        const item = stored[index]!
        if (item.id.clock >= end) break
        if (!isItem(item) || item.deleted) continue
        const located = locateStored(item.id)
        if (typeof located === 'string') return { ok: false, reason: located }
        if ('missing' in located) return { ok: 'missing', on: located.missing }
        writes.push({ ...located, value: undefined, deleted: true })
      }
    }
  }
  const newClients = [...incoming.keys()].filter(client => !store.clients.has(client))
  return { ok: true, writes, newClients }
}
