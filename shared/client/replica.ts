// One room's document on this device: the Y.Doc, its local copy and its link to the relay.
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { LocalCopy, Network, RoomLink, Storage } from './transport'

export interface ReplicaContext {
  readonly network: Network
  readonly storage: Storage
  /** Whether the relay is reachable now, so that waiting for a room's first sync is worth it. */
  relayReachable(): boolean
  /** How long to wait for that first sync before going on with what is stored locally. */
  readonly syncWaitMs: number
}

export class Replica {
  private constructor (
    readonly room: string,
    readonly doc: Y.Doc,
    readonly local: LocalCopy,
    readonly link: RoomLink,
    /** Presence in this room, when it carries any (the directory, a conversation's typing). */
    readonly awareness: Awareness | null
  ) {}

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
    const replica = new Replica(room, doc, local, link, awareness ?? null)
    try {
      if (context.relayReachable()) await link.whenSynced(context.syncWaitMs)
    } catch (error) {
      await replica.destroy()
      throw error
    }
    return replica
  }

  /** Whether the relay holds everything this replica holds: nothing written here is still to be sent. */
  get delivered (): boolean {
    if (!this.link.synced) return false
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
      if (this.link.acknowledged(client) < clock) return false
    }
    return true
  }

  async destroy (): Promise<void> {
    this.link.destroy()
    await this.local.destroy()
    this.doc.destroy()
  }
}
