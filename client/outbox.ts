// Rooms with local writes the relay may not have yet: kept on this device and re-sent, even after a reload.
import * as Y from 'yjs'
import { fromBase64, toBase64 } from 'lib0/buffer'
import { LOCAL_ORIGIN } from '../shared/origin'
import type { ReplicaPool } from './replica-pool'
import type { LocalCopy, Storage } from './transport'

/** Where the outbox lives on this device; never synced (it is about this device only). */
const OUTBOX_STORE = 'local/outbox'

/** How long one delivery attempt keeps a room open before trying again on the next connection. */
const ATTEMPT_MS = 30_000

export class Outbox {
  private readonly inFlight = new Set<string>()
  private readonly decoded = new Map<string, { encoded: unknown; stateVector: Map<number, number> }>()
  /** Wakes the deliveries waiting on a link, so that closing does not wait for their timeouts. */
  private readonly wakers = new Set<() => void>()
  private closed = false

  private constructor (
    private readonly doc: Y.Doc,
    private readonly local: LocalCopy,
    private readonly pool: ReplicaPool
  ) {}

  static async open (storage: Storage, pool: ReplicaPool): Promise<Outbox> {
    const doc = new Y.Doc()
    const local = storage.persist(OUTBOX_STORE, doc)
    await local.loaded
    return new Outbox(doc, local, pool)
  }

  private get rooms (): Y.Map<unknown> { return this.doc.getMap('rooms') }

  /** Rooms still waiting for the relay. */
  pending (): string[] { return [...this.rooms.keys()] }

  /**
   * Makes a local write to a room's doc and keeps the room until the relay has it. The first
   * write since the room was last delivered records the doc's state before it (the baseline):
   * everything below it is known to be at the relay, which isPending relies on after a reload.
   */
  write (room: string, doc: Y.Doc, change: () => void): void {
    if (!this.closed && !this.rooms.has(room)) {
      const baseline = toBase64(Y.encodeStateVector(doc))
      this.doc.transact(() => this.rooms.set(room, { baseline }), LOCAL_ORIGIN)
    }
    doc.transact(change, LOCAL_ORIGIN)
    if (!this.closed) void this.deliver(room)
  }

  /** What the room held before its undelivered writes began, or null when nothing is pending there. */
  baseline (room: string): Map<number, number> | null {
    const entry = this.rooms.get(room) as { baseline?: unknown } | undefined
    if (entry === undefined) return null
    // NOTE: asked once per shown message on every change: decode each recorded baseline once.
    const cached = this.decoded.get(room)
    if (cached && cached.encoded === entry.baseline) return cached.stateVector
    let stateVector: Map<number, number>
    try {
      stateVector = Y.decodeStateVector(fromBase64(entry.baseline as string))
    } catch {
      stateVector = new Map() // unreadable: treat everything in the room as possibly undelivered
    }
    this.decoded.set(room, { encoded: entry.baseline, stateVector })
    return stateVector
  }

  /** Tries every pending room: call when the relay becomes reachable. */
  flush (): void {
    for (const room of this.pending()) void this.deliver(room)
  }

  /** Holds the room open until the relay has everything in it (or the attempt times out). */
  private async deliver (room: string): Promise<void> {
    if (this.inFlight.has(room) || this.closed) return
    this.inFlight.add(room)
    try {
      const replica = await this.pool.acquire(room)
      try {
        const delivered = await new Promise<boolean>(resolve => {
          const check = () => {
            if (!replica.delivered && !this.closed) return
            clearTimeout(timer)
            unsubscribe()
            resolve(replica.delivered)
          }
          const timer = setTimeout(() => { unsubscribe(); resolve(false) }, ATTEMPT_MS)
          const unsubscribeLink = replica.link.onChange(check)
          // A room rebuilt after a refusal holds only what the relay accepted: delivered, maybe.
          const unsubscribeMoved = replica.onMoved(check)
          this.wakers.add(check)
          const unsubscribe = () => {
            unsubscribeLink()
            unsubscribeMoved()
            this.wakers.delete(check)
          }
          check()
        })
        // Checked again now: a write may have slipped in since the check resolved.
        if (delivered && replica.delivered && !this.closed) this.doc.transact(() => this.rooms.delete(room), LOCAL_ORIGIN)
      } finally {
        await this.pool.release(room)
      }
    } catch {
      // The room could not be opened (e.g. the client is closing): it stays pending.
    } finally {
      this.inFlight.delete(room)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    for (const wake of [...this.wakers]) wake()
    await this.local.destroy()
    this.doc.destroy()
  }
}
