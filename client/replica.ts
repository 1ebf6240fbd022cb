// One room's document on this device: the Y.Doc, its local copy and its link to the relay; rebuilt from the relay's state when the relay refuses a change of ours.
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { LOCAL_ORIGIN } from '../shared/origin'
import { UPDATE_REFUSALS, type UpdateRefusal } from '../shared/protocol'
import { FollowingLink } from './network/following-link'
import { changedEntries, keepApplicable, type ChangedEntry } from './rebuild'
import type { LocalCopy, Network, RoomLink, Storage } from './transport'
import type { MapSource } from './views/validated-map'

/** A room rebuilt after a refusal: why the relay refused, and the entries that now read differently here. */
export interface Reverted {
  readonly room: string
  readonly reason: UpdateRefusal
  readonly changed: readonly ChangedEntry[]
}

export interface ReplicaContext {
  readonly network: Network
  readonly storage: Storage
  /** Whether the relay is reachable now, so that waiting for a room's first sync is worth it. */
  relayReachable(): boolean
  /** How long to wait for that first sync before going on with what is stored locally. */
  readonly syncWaitMs: number
  /** Told once a room has been rebuilt after a refusal (see Replica.rebuild). */
  readonly onReverted?: (reverted: Reverted) => void
}

const isUpdateRefusal = (reason: string | null): reason is UpdateRefusal => (UPDATE_REFUSALS as readonly (string | null)[]).includes(reason)

/** A fresh awareness for `doc` carrying `previous`'s local state (its client id is the doc's). */
const awarenessLike = (previous: Awareness, doc: Y.Doc): Awareness => {
  const awareness = new Awareness(doc)
  awareness.setLocalState(previous.getLocalState())
  return awareness
}

export class Replica {
  /** The room's link, the same object across rebuilds (it follows the current one). */
  readonly link: FollowingLink
  private current: Y.Doc
  private currentAwareness: Awareness | null
  private readonly moved = new Set<() => void>()
  private rebuilding = false
  /**
   * The entries written here that the relay has not acknowledged (with the client id and clock
   * that acknowledge them): what a refusal can be about.
   */
  private written: Array<ChangedEntry & { client: number; clock: number }> = []
  private destroyed = false

  private constructor (
    private readonly context: ReplicaContext,
    readonly room: string,
    doc: Y.Doc,
    readonly local: LocalCopy,
    link: RoomLink,
    /** Presence in this room, when it carries any (the directory, a conversation's typing). */
    awareness: Awareness | null
  ) {
    this.current = doc
    this.currentAwareness = awareness
    this.link = new FollowingLink(link)
    doc.on('afterTransaction', this.noteWritten)
    let seen = this.link.rejections
    this.link.onChange(() => {
      if (this.link.rejections !== seen) {
        seen = this.link.rejections
        const reason = this.link.rejection
        if (isUpdateRefusal(reason)) void this.rebuild(reason)
      }
      if (!this.rebuilding) this.written = this.written.filter(entry => this.link.acknowledged(entry.client) < entry.clock)
    })
  }

  private readonly noteWritten = (transaction: Y.Transaction): void => {
    if (transaction.origin !== LOCAL_ORIGIN) return
    const client = transaction.doc.clientID
    const clock = transaction.afterState.get(client) ?? 0
    for (const [root, type] of transaction.doc.share) {
      for (const key of transaction.changed.get(type) ?? []) {
        if (key !== null) this.written.push({ root, key, client, clock })
      }
    }
  }

  /**
   * Opens a room: loads the local copy, then connects, and when the relay is reachable waits
   * (bounded) for its state, so that a first open on a new device is not empty.
   * NOTE: connected only once loaded, so that sync step 1 carries what this device holds and
   * the relay sends only what it lacks (connected first on an open socket, it sent the whole
   * room, ~400 KB for a full bucket, on every open); and so that nobody listens for the
   * document's updates while the stored state goes in, which spares Yjs encoding it again
   * (see IndexeddbCopy).
   */
  static async open (context: ReplicaContext, room: string, awareness?: Awareness, doc = new Y.Doc()): Promise<Replica> {
    const local = context.storage.persist(room, doc)
    try {
      await local.loaded
    } catch (error) {
      await local.destroy()
      doc.destroy()
      throw error
    }
    const link = context.network.connect(room, doc, awareness)
    const replica = new Replica(context, room, doc, local, link, awareness ?? null)
    try {
      if (context.relayReachable()) await link.whenSynced(context.syncWaitMs)
    } catch (error) {
      await replica.destroy()
      throw error
    }
    return replica
  }

  /** The room's document now: another one after a rebuild (see `onMoved`), so never keep it. */
  get doc (): Y.Doc { return this.current }

  /** Presence in this room, when it carries any; another object after a rebuild, like `doc`. */
  get awareness (): Awareness | null { return this.currentAwareness }

  /** Called after `doc` (and `awareness`) became new objects; returns the unsubscribe function. */
  onMoved (listener: () => void): () => void {
    this.moved.add(listener)
    return () => { this.moved.delete(listener) }
  }

  /** A root map of the room's document (e.g. `directoryGroups`), following the room across rebuilds. */
  map (root: (doc: Y.Doc) => Y.Map<unknown>): MapSource {
    const replica = this
    return {
      get map () { return root(replica.doc) },
      onMoved: listener => replica.onMoved(listener)
    }
  }

  /** Whether the relay holds everything this replica holds: nothing written here is still to be sent. */
  get delivered (): boolean {
    if (!this.link.synced) return false
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
      if (this.link.acknowledged(client) < clock) return false
    }
    return true
  }

  /**
   * The relay refused a change of ours: the room becomes what the relay holds, plus the local
   * writes made since the refusal that do not build on what it refused.
   * NOTE: Yjs cannot take an item out of a doc, so the room gets a new doc, filled by a new link
   * from the relay's whole state (only the relay knows which deletions were refused with the
   * change: the doc's delete set cannot tell). Until it has arrived the old doc stays in use, also
   * offline; then the local copy is replaced (a reload shows the same) and everything that
   * watches the room moves to the new doc (`onMoved`). Everything written here before the
   * refusal was either acknowledged (and so is in the relay's state) or sent with or after the
   * refused update and refused too (a reconnection sends them as one update); what the new
   * doc's link sends is its own writes only, so the refused change is never sent again.
   * A destroyed replica (closed while offline) stops waiting, and its stored copy is rebuilt
   * when it is next opened: the relay refuses the change again on that sync.
   */
  private async rebuild (reason: UpdateRefusal): Promise<void> {
    if (this.rebuilding || this.destroyed) return
    this.rebuilding = true
    const written = this.written
    const old = this.current
    const oldAwareness = this.currentAwareness
    // Written meanwhile: kept if it does not build on the refused change.
    const later: Uint8Array[] = []
    const record = (update: Uint8Array, origin: unknown) => { if (origin === LOCAL_ORIGIN) later.push(update) }
    old.on('update', record)
    const doc = new Y.Doc()
    const awareness = oldAwareness ? awarenessLike(oldAwareness, doc) : null
    // NOTE: the old doc's link goes first: it would only offer the refused change again, and a
    // network joins a room for its first link only (the relay's sync step 1, which lets a link
    // send, comes once per join). The room's link follows the new one from now on.
    this.link.followed.destroy()
    this.link.follow(this.context.network.connect(this.room, doc, awareness ?? undefined))
    try {
      const synced = await new Promise<boolean>(resolve => {
        const check = () => {
          if (!this.link.synced && !this.destroyed) return
          unsubscribe()
          resolve(!this.destroyed)
        }
        const unsubscribe = this.link.onChange(check)
        this.abortRebuild = check
        check()
      })
      old.off('update', record)
      if (!synced) {
        awareness?.destroy()
        doc.destroy()
        return
      }
      keepApplicable(doc, later, LOCAL_ORIGIN)
      // From here on, synchronously: no write can land on the old doc unseen.
      this.current = doc
      this.currentAwareness = awareness
      const replacing = this.local.replace(doc)
      old.off('afterTransaction', this.noteWritten)
      doc.on('afterTransaction', this.noteWritten)
      this.written = []
      // What one wrote first (what the refusal was about), then whatever else now reads differently.
      const changed: ChangedEntry[] = []
      for (const entry of [...written, ...changedEntries(old, doc)]) {
        if (!changed.some(known => known.root === entry.root && known.key === entry.key)) changed.push({ root: entry.root, key: entry.key })
      }
      for (const listener of [...this.moved]) listener()
      await replacing.catch(error => console.error('parley: the local copy of a rebuilt room could not be replaced', error))
      old.destroy()
      oldAwareness?.destroy()
      this.context.onReverted?.({ room: this.room, reason, changed })
    } finally {
      old.off('update', record)
      this.abortRebuild = null
      this.rebuilding = false
    }
  }

  /** Ends the wait of a running rebuild (on destroy). */
  private abortRebuild: (() => void) | null = null

  async destroy (): Promise<void> {
    this.destroyed = true
    this.abortRebuild?.()
    this.link.destroy()
    await this.local.destroy()
    this.current.destroy()
  }
}
