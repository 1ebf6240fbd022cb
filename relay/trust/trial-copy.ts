// What an update does to a room, as Yjs itself computes it: applied to a trial copy of the room, its entry changes read back.
import * as Y from 'yjs'

/*
 * NOTE: the relay used to predict from an update's encoding which entries it would write, and
 * hand-made encodings beat the prediction (a struct overlapping clocks the relay held, applied by
 * Yjs only from its unknown tail and placed elsewhere; a value dead on arrival beside a deletion).
 * Now Yjs applies the update to a copy of the room, and what changed there is what is judged: no
 * encoding can smuggle an effect past the rules, because no rule reads the encoding. The room's
 * own document gets the update only once it is accepted. This module is the one place that
 * reads Yjs internals to judge (`_map`, transaction states); trial-copy.test.ts pins each one.
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
}

/** What no Parley document holds, or an update Yjs could not fully apply. */
export type EffectFailure = 'malformed' | 'not-a-map-entry' | 'nested-type' | 'unsupported-content' | 'gc-struct' | 'missing-dependencies'

export type Trial = { ok: true; effect: Effect } | { ok: false; reason: EffectFailure }

/** A root map's entries as Yjs keeps them: each key's last item, alive or deleted. */
const entriesOf = (type: Y.AbstractType<any> | undefined): Map<string, Y.Item> | undefined =>
  (type as unknown as { _map?: Map<string, Y.Item> } | undefined)?._map

/** The value an entry's last item holds, or undefined when it is deleted (or there is none). */
const valueOf = (item: Y.Item | undefined): unknown =>
  item === undefined || item.deleted ? undefined : item.content.getContent().at(-1)

/**
 * A copy of one room's document on which each incoming update is tried first. The room applies
 * an accepted update itself, and calls `discard` after a refusal, which rebuilds
 * the copy from the room: a refused change never reaches the room's document.
 */
export class TrialCopy {
  private copy: Y.Doc | null = null
  /** What the update being tried did, read before Yjs collects its deleted content. */
  private caught: Trial | null = null
  /** The Yjs client ids the update being tried has structs of, when known (else every client is looked at). */
  private clients: readonly number[] | null = null

  constructor (private readonly room: Y.Doc) {}

  /**
   * Applies `update` to the copy and reads what it did. The copy then holds it: the room applies
   * it too if accepted, else calls `discard`.
   */
  try (update: Uint8Array, clients?: readonly number[]): Trial {
    const copy = this.copy ??= this.cloneRoom()
    this.caught = null
    this.clients = clients ?? null
    try {
      Y.applyUpdate(copy, update)
    } catch {
      // Yjs may have applied part of it: the caller discards the copy, as after any refusal.
      return { ok: false, reason: 'malformed' }
    }
    const trial = this.caught as Trial | null
    this.caught = null
    // Parts Yjs could not place yet would wait in the copy for ever (the room checks dependencies first).
    if (copy.store.pendingStructs !== null || copy.store.pendingDs !== null) return { ok: false, reason: 'missing-dependencies' }
    return trial ?? { ok: true, effect: { changes: [], clients: [] } }
  }

  /** Forgets the update just tried (refused): the copy is rebuilt from the room. */
  discard (): void {
    this.copy?.destroy()
    this.copy = null
    this.copy = this.cloneRoom()
  }

  /** Applies a change the room made without a trial (the relay's own writes). */
  follow (update: Uint8Array): void {
    if (this.copy !== null) Y.applyUpdate(this.copy, update)
  }

  destroy (): void {
    this.copy?.destroy()
    this.copy = null
  }

  private cloneRoom (): Y.Doc {
    const copy = new Y.Doc({ gc: true })
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.room))
    // NOTE: read in afterTransaction, which runs before Yjs garbage-collects the transaction's
    // deleted content: afterwards, a value dead on arrival has become ContentDeleted.
    copy.on('afterTransaction', (transaction: Y.Transaction) => { this.caught = this.effectOf(transaction) })
    return copy
  }

  private effectOf (transaction: Y.Transaction): Trial {
    const copy = transaction.doc
    const rootNames = new Map<unknown, string>()
    for (const [name, type] of copy.share) rootNames.set(type, name)
    const written = new Map<string, unknown[]>()
    const wroteDeleted = new Set<string>()
    const clients: WrittenClient[] = []
    // Every struct the update added, client by client: Yjs's own account of what was new.
    // NOTE: only the update's own clients can have new structs; a directory holds thousands of clients.
    for (const client of this.clients ?? transaction.afterState.keys()) {
      const after = transaction.afterState.get(client) ?? 0
      const before = transaction.beforeState.get(client) ?? 0
      if (after === before) continue
      clients.push({ client, isNew: before === 0 })
      const structs = copy.store.clients.get(client) ?? []
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
      const beforeEntries = entriesOf(this.room.share.get(root))
      const afterEntries = entriesOf(type)
      for (const key of keys) {
        if (key === null) return { ok: false, reason: 'not-a-map-entry' }
        const beforeItem = beforeEntries?.get(key)
        const afterItem = afterEntries?.get(key)
        const before = valueOf(beforeItem)
        const after = valueOf(afterItem)
        const beforeClient = beforeItem?.id.client ?? null
        const afterClient = afterItem?.id.client ?? null
        changes.push({
          root,
          key,
          before,
          tombstone: beforeItem !== undefined && beforeItem.deleted,
          after,
          tombstoneAfter: afterItem !== undefined && afterItem.deleted,
          replaced: !(beforeItem !== undefined && afterItem !== undefined && Y.compareIDs(beforeItem.id, afterItem.id) && beforeItem.deleted === afterItem.deleted),
          beforeClient,
          afterClient,
          written: written.get(`${root}\u0000${key}`) ?? [],
          wroteDeleted: wroteDeleted.has(`${root}\u0000${key}`)
        })
      }
    }
    return { ok: true, effect: { changes, clients } }
  }
}
