// Which user each Yjs client id of a room belongs to: bound at its first write, kept in the relay's store beside the room.
import * as Y from 'yjs'
import { parseRoom, type RoomRef } from '../../shared/protocol'
import { applyStored } from '../storage/apply-stored'
import type { RoomStore } from '../storage/store'
import { clientStructs } from '../../shared/yjs-internals'

/*
 * NOTE: Yjs trusts a client id: items under an id a document already holds up to some clock
 * are taken as already known. So whoever writes under someone else's id first makes that
 * person's later items with the same clocks (written offline, say) be silently ignored, by the
 * relay and by every client. Each id therefore belongs to the user who first wrote under it in
 * the room, and only they may write under it again.
 */

/** The owner of the client ids the relay itself writes under (it announces direct conversations). */
export const RELAY_WRITER = '.relay'

/** Where a room's owners are stored: a key no client can name (parseRoom refuses it), so no socket can join it. */
export const clientOwnersKey = (room: string): string => `.relay/clients/${room}`

export class ClientOwners {
  /** Resolves once every binding made so far is stored. */
  private written: Promise<void> = Promise.resolve()

  private constructor (
    private readonly store: RoomStore,
    private readonly key: string,
    private readonly doc: Y.Doc
  ) {}

  static async load (store: RoomStore, room: string): Promise<ClientOwners> {
    const key = clientOwnersKey(room)
    if (parseRoom(key) !== null) throw new Error('a client owners key must not be a room name')
    const doc = new Y.Doc()
    await applyStored(doc, key, await store.load(key))
    return new ClientOwners(store, key, doc)
  }

  private get owners (): Y.Map<string> { return this.doc.getMap('owners') }

  /** The user a client id belongs to, if it was ever bound. */
  ownerOf (client: number): string | undefined {
    return this.owners.get(String(client))
  }

  /** Binds client ids to a user and stores that (see whenWritten). */
  bind (clients: readonly number[], user_id: string): void {
    const unbound = clients.filter(client => !this.owners.has(String(client)))
    if (unbound.length === 0) return
    let update: Uint8Array | null = null
    const capture = (bytes: Uint8Array) => { update = bytes }
    this.doc.once('update', capture)
    this.doc.transact(() => { for (const client of unbound) this.owners.set(String(client), user_id) })
    this.doc.off('update', capture)
    if (update === null) return
    const stored = update
    const previous = this.written
    // NOTE: in order, and a failure is the room's storage failure, reported by its next write.
    this.written = previous.then(() => this.store.append(this.key, stored))
    this.written.catch(() => {})
  }

  /**
   * Resolves once every binding made so far is stored: the room waits for it before storing the
   * updates the bindings allowed, so that no stored update has an id nobody owns.
   */
  whenWritten (): Promise<void> { return this.written }

  get size (): number { return this.owners.size }

  /** Lets go of the document (the store keeps the owners). */
  destroy (): void { this.doc.destroy() }
}

/**
 * The owner of a client id that a room holds but was never bound: the room was written before
 * ids were bound. Read from what that id wrote (a message's sender, a profile's or an activity
 * entry's key, a user room's owner); undefined when nothing it wrote says (then its next writer
 * takes it, as every id was taken before). `livedBefore`: whether an item was there, live, before
 * the update being judged (which the document already holds), so that only older writes say.
 */
export const inferOwner = (doc: Y.Doc, room: RoomRef, client: number, livedBefore: (item: Y.Item) => boolean = item => !item.deleted): string | undefined => {
  // Only their owner writes to these rooms.
  if (room.kind === 'user' || room.kind === 'profile') return room.user_id
  const rootNames = new Map<unknown, string>()
  for (const [name, type] of doc.share) rootNames.set(type, name)
  for (const struct of clientStructs(doc, client)) {
    if (!(struct instanceof Y.Item) || !livedBefore(struct) || struct.parentSub === null) continue
    const root = rootNames.get(struct.parent)
    const value = struct.content.getContent().at(-1) as { sender_id?: unknown } | undefined
    if (room.kind === 'conversation' && root === 'activity') return struct.parentSub
    if (room.kind === 'bucket' && root === 'messages' && typeof value?.sender_id === 'string') return value.sender_id
  }
  return undefined
}
