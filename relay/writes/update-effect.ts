// What an update did to a room's document, read from Yjs's own transaction before its observers run.
import * as Y from 'yjs'
import { clientStructs, entryItems, pendingOf } from '../../shared/yjs-internals'

/*
 * NOTE: the relay used to predict from an update's encoding which entries it would write, and
 * hand-made encodings beat the prediction (a struct overlapping clocks the relay held, applied by
 * Yjs only from its unknown tail and placed elsewhere; a value dead on arrival beside a deletion).
 * Now Yjs applies the update, and what its transaction changed is what is judged (judged-apply.ts):
 * no encoding can smuggle an effect past the rules, because no rule reads the encoding. Besides
 * the internals in shared/yjs-internals.ts, this module reads a transaction's states and an
 * item's links, which Yjs types as public; update-effect.test.ts pins what it relies on.
 */

/** One root-map entry the update touched. */
export interface EntryChange {
  /** The root map's name ('users', 'messages', …). */
  root: string
  key: string
  /** Its value before the update; undefined when it had none. */
  before: unknown
  /** Whether it had been deleted before the update: Yjs keeps a deleted entry's last item, a tombstone. */
  tombstone: boolean
  /** Its value after the update; undefined when it has none. */
  after: unknown
  /** Whether the entry ends deleted: a tombstone, new or kept. */
  tombstoneAfter: boolean
  /** Whether the entry's last item is another than before (a value written, or removed). */
  replaced: boolean
  /** The Yjs client ids of the entry's last item before and after, live or deleted (null: none). */
  beforeClient: number | null
  afterClient: number | null
  /** Every value the update wrote under the key, including values dead on arrival or overwritten within it. */
  written: unknown[]
  /** Whether the update put items under the key that came already deleted (they hold no value). */
  wroteDeleted: boolean
}

/** A Yjs client id the update wrote under. */
export interface WrittenClient {
  client: number
  /** Whether the room held nothing of this client before. */
  isNew: boolean
}

export interface Effect {
  changes: EntryChange[]
  clients: WrittenClient[]
  /** Whether `item` existed, undeleted, before the update: what the room held before it. */
  livedBefore: (item: Y.Item) => boolean
}

/** What no Parley document holds, or an update Yjs could not fully apply. */
export type EffectFailure = 'malformed' | 'not-a-map-entry' | 'nested-type' | 'unsupported-content' | 'gc-struct' | 'missing-dependencies'

export type EffectReading = { ok: true; effect: Effect } | { ok: false; reason: EffectFailure }

/**
 * What `transaction` did, read while its deleted content is still there (Yjs collects it after the
 * observers): call from the document's 'beforeObserverCalls'. `clients`: the Yjs client ids the
 * update has structs of, when known (else every client is looked at).
 * NOTE: the value an entry held before is its last item that is older than the transaction:
 * items never move in Yjs, so the last of the old ones is the one that was last.
 */
export const readEffect = (transaction: Y.Transaction, clients?: Iterable<number>): EffectReading => {
  const { doc, beforeState, afterState, deleteSet } = transaction
  if (pendingOf(doc) !== null) return { ok: false, reason: 'missing-dependencies' }
  const isNew = (item: Y.Item) => item.id.clock >= (beforeState.get(item.id.client) ?? 0)
  // NOTE: Yjs has sorted the transaction's delete set by the time observers are called.
  const livedBefore = (item: Y.Item) => !isNew(item) && (!item.deleted || Y.isDeleted(deleteSet, item.id))
  const rootNames = new Map<unknown, string>()
  for (const [name, type] of doc.share) rootNames.set(type, name)
  const written = new Map<string, unknown[]>()
  const wroteDeleted = new Set<string>()
  const writtenClients: WrittenClient[] = []
  // Every struct the update added, client by client: Yjs's own account of what was new.
  // NOTE: only the update's own clients can have new structs; a directory holds thousands of clients.
  for (const client of clients ?? afterState.keys()) {
    const after = afterState.get(client) ?? 0
    const before = beforeState.get(client) ?? 0
    if (after === before) continue
    writtenClients.push({ client, isNew: before === 0 })
    const structs = clientStructs(doc, client) as Array<Y.Item | Y.GC>
    for (let index = Y.findIndexSS(structs, before); index < structs.length; index++) {
      const struct = structs[index]!
      if (!(struct instanceof Y.Item)) return { ok: false, reason: 'gc-struct' }
      const parent = struct.parent as Y.AbstractType<any>
      const root = rootNames.get(parent)
      if (parent._item !== null || root === undefined) return { ok: false, reason: 'nested-type' }
      if (struct.parentSub === null) return { ok: false, reason: 'not-a-map-entry' }
      const content = struct.content
      const key = `${root}\u0000${struct.parentSub}`
      if (content instanceof Y.ContentType) return { ok: false, reason: 'nested-type' }
      if (content instanceof Y.ContentDeleted) {
        wroteDeleted.add(key)
        continue
      }
      if (!(content instanceof Y.ContentAny) || content.getLength() !== 1) return { ok: false, reason: 'unsupported-content' }
      let values = written.get(key)
      if (!values) written.set(key, values = [])
      values.push(content.getContent()[0])
    }
  }
  const changes: EntryChange[] = []
  // Every entry whose list of items changed: Yjs records it when an item is added or deleted.
  for (const [type, keys] of transaction.changed) {
    const root = rootNames.get(type)
    if (type._item !== null || root === undefined) return { ok: false, reason: 'nested-type' }
    const entries = entryItems(type)
    for (const key of keys) {
      if (key === null) return { ok: false, reason: 'not-a-map-entry' }
      const afterItem = entries.get(key)
      let beforeItem = afterItem
      while (beforeItem !== undefined && isNew(beforeItem)) beforeItem = beforeItem.left as Y.Item | null ?? undefined
      const before = beforeItem !== undefined && livedBefore(beforeItem) ? valueOf(beforeItem) : undefined
      const after = afterItem !== undefined && !afterItem.deleted ? valueOf(afterItem) : undefined
      const tombstone = beforeItem !== undefined && !livedBefore(beforeItem)
      const tombstoneAfter = afterItem !== undefined && afterItem.deleted
      changes.push({
        root,
        key,
        before,
        tombstone,
        after,
        tombstoneAfter,
        replaced: !(beforeItem !== undefined && beforeItem === afterItem && tombstone === tombstoneAfter),
        beforeClient: beforeItem?.id.client ?? null,
        afterClient: afterItem?.id.client ?? null,
        written: written.get(`${root}\u0000${key}`) ?? [],
        wroteDeleted: wroteDeleted.has(`${root}\u0000${key}`)
      })
    }
  }
  return { ok: true, effect: { changes, clients: writtenClients, livedBefore } }
}

/** The value an item holds (its content is still there until Yjs collects it after the transaction). */
const valueOf = (item: Y.Item): unknown => item.content.getContent().at(-1)
