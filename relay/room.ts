// One loaded room: its document, its presence, its peers, and the write-then-broadcast path.
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { STORAGE_ORIGIN, isOrigin, peerOrigin } from '../shared/origin'
import { MessageType, encodeRefusalMessage, encodeSyncMessage, parseRoom, type CloseReason, type Refusal, type RoomRef, type RoomRefusal } from '../shared/protocol'
import { RoomPresence } from './presence/room-presence'
import { applyStored, leftPending } from './storage/apply-stored'
import type { RoomStore } from './storage/store'
import { judgePresence, readAwarenessUpdate } from './presence/awareness-guard'
import { ClientOwners } from './writes/client-owners'
import type { UpdateRefusal } from './writes/judge-update'
import type { UsageLedger } from './writes/usage-ledger'
import { WriteGate } from './writes/write-gate'

/** What a room is told to do by the registry that holds it. */
export interface RoomOptions {
  store: RoomStore
  /** Called when a write fails: the room is then dropped. */
  onStorageFailure: (room: Room, error: Error) => void
  /** Called when what the store holds for the room cannot be read (its joiners are refused with 4503). */
  onLoadFailure?: (room: Room, error: Error) => void
  /** Called when some of what the store holds for the room could not be applied, and was left out (in words). */
  onLoadSkipped?: (room: Room, what: string) => void
  /** Called after a peer's update has been applied. */
  onPeerUpdate?: (room: Room, peer: Peer) => void
  /**
   * Called each time the room takes a new document: loaded, woken from rest, or rebuilt after a
   * refused update (whoever reads `doc` must read the new one).
   */
  onDocument?: (room: Room) => void
  maxMessageLength: number
  /** Updates held per peer while their dependencies have not arrived. */
  maxPendingUpdates: number
  /** Awareness client ids one peer may publish. */
  awarenessPerRoom: number
  /** A presence state not renewed within this is removed for everyone. */
  presenceTimeoutMs: number
  /** The most one user may hold live in this room (bytes of JSON). */
  maxBytesPerUserPerRoom: number
  /** Structs one update may hold. */
  maxStructsPerUpdate: number
  /** What each user holds over all rooms, and the most they may (none: no quota over rooms). */
  ledger?: UsageLedger
  maxBytesPerUser?: number
}

/**
 * Sync answers kept per document version (see Room.answerFor): the whole room, for newcomers, and
 * the state most recently asked for. NOTE: each may be nearly the whole room (a peer chooses its
 * state vector), so they are kept few.
 */
const ANSWERS_KEPT = 2
/** The state vector of a peer that holds nothing. */
const EMPTY_STATE_VECTOR = Uint8Array.of(0)

/** Refused updates after which a peer is taken for hostile and its connection closed. */
const MAX_REJECTIONS = 32

interface HeldUpdates {
  pending: Uint8Array[]
  rejections: number
  /** Yjs client id → first refused clock: anything built on those is refused too. */
  refused: Map<number, number>
}

/** One connection's side of a room. */
export interface Peer {
  send(message: Uint8Array): void
  /** The awareness client ids this peer has published, removed when it leaves. */
  readonly awarenessClients: Set<number>
  /** The authenticated user behind this peer ('' for the relay's own readers). */
  readonly user_id: string
  /** Ends this peer's membership because it may no longer be in the room, telling it why. */
  revoke(reason: RoomRefusal): void
  /** Told when one of its updates or presence messages was refused (already sent to the client). */
  refused?(refusal: Refusal): void
}

/** Why a peer's connection is closed (each a 4400 close reason of shared/protocol/close-codes.ts). */
export type ProtocolViolationReason = Extract<CloseReason, 'malformed' | 'unknown-message-type' | 'rejected-update' | 'too-many-rejected-updates' | 'missing-dependencies'>

export class ProtocolViolation extends Error {
  constructor (readonly reason: ProtocolViolationReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProtocolViolation'
  }
}

export class Room {
  /** The document while in memory; null while the room rests (see rest()). */
  private current: Y.Doc | null = null
  /** Judges each peer's update before it reaches the document (write-gate.ts); made at the first load, kept while the room rests. */
  private gate: WriteGate | null = null
  private waking: Promise<void> | null = null
  private destroyed = false
  /** performance.now() of the last write or sync here: the registry puts rooms idle for long to rest. */
  lastUsed = performance.now()
  /** Who is online here: the relay forwards presence changes, not renewals (presence/room-presence.ts). */
  readonly presence: RoomPresence<Peer>
  readonly peers = new Set<Peer>()
  readonly ref: RoomRef
  private queue: Uint8Array[] = []
  private flushing: Promise<void> | null = null
  private failure: Error | null = null
  /** Per peer: updates waiting for their dependencies, and what of its updates was refused. */
  private readonly held = new Map<Peer, HeldUpdates>()
  /** Sync step 2 answers by the state vector asked with, while the document has not changed since (see answerFor). */
  private readonly answers = new Map<string, Uint8Array>()

  private constructor (
    readonly name: string,
    private readonly options: RoomOptions
  ) {
    const ref = parseRoom(name)
    if (ref === null) throw new Error(`not a room: ${name}`)
    this.ref = ref
    this.presence = new RoomPresence({ timeoutMs: options.presenceTimeoutMs, broadcast: message => this.broadcast(message) })
  }

  /**
   * Loads the room from the store. NOTE: a room answers nobody before this resolves, or a
   * client would take the still-empty document for the room's state.
   */
  static async load (name: string, options: RoomOptions): Promise<Room> {
    const room = new Room(name, options)
    await room.wake()
    return room
  }

  /** The room's document; only while it is in memory (wake() first: the registry does on every join). */
  get doc (): Y.Doc {
    if (this.current === null) throw new Error(`room ${this.name} is resting: wake it first`)
    return this.current
  }

  /** Whether the document is out of memory now (its peers and their presence stay). */
  get resting (): boolean { return this.current === null }

  /** Whether handling `message` needs the document (sync does; presence does not). */
  static needsDocument (message: Uint8Array): boolean { return message[0] === MessageType.sync }

  /** Loads the document from the store if it is resting; once however many ask at the same time. */
  wake (): Promise<void> {
    if (this.current !== null) return Promise.resolve()
    this.waking ??= Promise.all([
      this.options.store.load(this.name),
      this.gate?.owners ?? ClientOwners.load(this.options.store, this.name)
    ]).then(async ([stored, owners]) => {
      if (this.destroyed) {
        if (owners !== this.gate?.owners) owners.destroy()
        throw new Error(`room ${this.name} was unloaded`)
      }
      this.gate ??= new WriteGate(owners, {
        room: this.ref,
        maxMessageLength: this.options.maxMessageLength,
        maxBytesPerUserPerRoom: this.options.maxBytesPerUserPerRoom,
        maxStructsPerUpdate: this.options.maxStructsPerUpdate,
        ledger: this.options.ledger,
        maxBytesPerUser: this.options.maxBytesPerUser,
        presenceHolderOf: client => this.presence.holderOf(client)
      })
      const doc = new Y.Doc({ gc: true })
      try {
        // NOTE: garbage collection drops the dead values of the stored updates as they are applied.
        await applyStored(doc, this.name, stored, STORAGE_ORIGIN)
      } catch (error) {
        doc.destroy()
        this.options.onLoadFailure?.(this, error as Error)
        throw error
      }
      const skipped = leftPending(doc)
      if (skipped !== null) this.options.onLoadSkipped?.(this, skipped)
      if (this.destroyed) {
        doc.destroy()
        throw new Error(`room ${this.name} was unloaded`)
      }
      doc.on('update', this.onDocUpdate)
      this.current = doc
      this.lastUsed = performance.now()
      this.options.onDocument?.(this)
    }).finally(() => { this.waking = null })
    return this.waking
  }

  /**
   * Lets go of the document while the room is idle; its peers stay, and their presence goes on
   * without it. Only once everything is written, so that the store holds the whole document, and
   * while no peer has updates held for missing dependencies.
   */
  rest (): void {
    if (this.current === null || this.waking || this.queue.length > 0 || this.flushing || this.failure) return
    for (const held of this.held.values()) if (held.pending.length > 0) return
    this.current.off('update', this.onDocUpdate)
    this.current.destroy()
    this.current = null
    this.gate?.rest()
    this.answers.clear()
  }

  /** Adds a peer and starts the sync handshake with it. */
  join (peer: Peer): void {
    this.lastUsed = performance.now()
    this.peers.add(peer)
    peer.send(encodeSyncMessage(encoder => syncProtocol.writeSyncStep1(encoder, this.doc)))
    if (this.presence.size > 0) peer.send(this.presence.snapshot())
  }

  /** Removes a peer, and with it the presence it published. */
  leave (peer: Peer): void {
    this.peers.delete(peer)
    this.held.delete(peer)
    this.presence.release(peer)
  }

  /** Handles one message from a peer; throws ProtocolViolation for anything malformed. */
  receive (peer: Peer, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message)
    let type: number
    try {
      type = decoding.readVarUint(decoder)
    } catch (error) {
      throw new ProtocolViolation('malformed', 'empty or truncated message', { cause: error })
    }
    switch (type) {
      case MessageType.sync: return this.receiveSync(peer, decoder)
      case MessageType.awareness: return this.receiveAwareness(peer, decoder)
      case MessageType.queryAwareness:
        peer.send(this.presence.snapshot())
        return
      default:
        throw new ProtocolViolation('unknown-message-type', `unknown message type ${type}`)
    }
  }

  private receiveSync (peer: Peer, decoder: decoding.Decoder): void {
    this.lastUsed = performance.now()
    let step: number
    let payload: Uint8Array
    try {
      step = decoding.readVarUint(decoder)
      payload = decoding.readVarUint8Array(decoder)
    } catch (error) {
      throw new ProtocolViolation('malformed', 'truncated sync message', { cause: error })
    }
    switch (step) {
      case syncProtocol.messageYjsSyncStep1: {
        let known: Map<number, number>
        try {
          known = Y.decodeStateVector(payload)
        } catch (error) {
          throw new ProtocolViolation('malformed', 'unreadable state vector', { cause: error })
        }
        // Answer with what the peer lacks.
        peer.send(this.answerFor(known.size === 0 ? EMPTY_STATE_VECTOR : payload))
        return
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        return this.receiveUpdate(peer, payload)
      default:
        throw new ProtocolViolation('unknown-message-type', `unknown sync message type ${step}`)
    }
  }

  /**
   * Applies a peer's update, and keeps it if everything it does (judged as Yjs applies it) is the
   * peer's to do. A refused update is not kept, stored or forwarded: the document is rebuilt
   * without it, and the peer is told why. One whose dependencies have not arrived is held for
   * that peer alone, and tried again after its next applied update.
   */
  private receiveUpdate (peer: Peer, update: Uint8Array): void {
    const held = this.heldFor(peer)
    const gate = this.gate!
    const { verdict, spoiled } = gate.judge(this.doc, peer.user_id, update, held.refused, peerOrigin(peer))
    if (spoiled) this.restoreDocument()
    if (verdict === 'unreadable') throw new ProtocolViolation('rejected-update', 'an update that could not be read')
    if (verdict === 'wait') {
      if (held.pending.length >= this.options.maxPendingUpdates) {
        throw new ProtocolViolation('missing-dependencies', 'too many updates waiting for changes that never came')
      }
      held.pending.push(update)
      return
    }
    if ('refused' in verdict) return this.refuseUpdate(peer, held, verdict)
    gate.accepted(this.doc, peer.user_id, verdict.apply)
    if (verdict.apply.applied !== null) this.enqueue(verdict.apply.applied)
    this.options.onPeerUpdate?.(this, peer)
    if (held.pending.length > 0) {
      const pending = held.pending
      held.pending = []
      for (const waiting of pending) this.receiveUpdate(peer, waiting)
    }
  }

  /**
   * Takes the document rebuilt as the relay accepted it, in place of one a refused update
   * spoiled. NOTE: synchronous, like the judgement: no peer sees the spoiled document.
   */
  private restoreDocument (): void {
    const restored = this.gate!.restore()
    this.current!.off('update', this.onDocUpdate)
    this.current!.destroy()
    restored.on('update', this.onDocUpdate)
    this.current = restored
    this.answers.clear()
    this.options.onDocument?.(this)
  }

  /**
   * Sync step 2 for a peer holding `stateVector` (encoded). NOTE: kept until the document
   * changes, since peers arrive together holding the same state (a relay restart, a network
   * coming back: everyone who was up to date; newcomers hold nothing): a storm of them costs one
   * encoding, not one each. Yjs builds every answer's delete set from the whole document, so at
   * 100k messages in one room that is 1.6 ms saved per join.
   */
  private answerFor (stateVector: Uint8Array): Uint8Array {
    const key = Buffer.from(stateVector.buffer, stateVector.byteOffset, stateVector.byteLength).toString('latin1')
    let answer = this.answers.get(key)
    if (!answer) {
      answer = encodeSyncMessage(encoder => syncProtocol.writeSyncStep2(encoder, this.doc, stateVector))
      if (this.answers.size >= ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!)
      this.answers.set(key, answer)
    }
    return answer
  }

  /**
   * Refuses an update, and with it anything later built on it under its client ids (it could never
   * be applied): the peer is told why.
   */
  private refuseUpdate (peer: Peer, held: HeldUpdates, { refused, from }: { refused: UpdateRefusal; from?: ReadonlyMap<number, number> }): void {
    // NOTE: one the cost check refused unread is not read again to say where it starts (that
    // took 320 ms for a 3 MB flood of GC structs): what builds on it waits like anything whose
    // dependencies have not arrived.
    for (const [client, clock] of from ?? []) held.refused.set(client, Math.min(held.refused.get(client) ?? clock, clock))
    this.refuse(peer, { scope: 'update', reason: refused })
  }

  private heldFor (peer: Peer): HeldUpdates {
    let held = this.held.get(peer)
    if (!held) this.held.set(peer, held = { pending: [], rejections: 0, refused: new Map() })
    return held
  }

  /** Applies a peer's presence if every entry is its own user's (awareness-guard.ts); else tells it why not. */
  private receiveAwareness (peer: Peer, decoder: decoding.Decoder): void {
    let update: Uint8Array
    try {
      update = decoding.readVarUint8Array(decoder)
    } catch (error) {
      throw new ProtocolViolation('malformed', 'an awareness message that could not be read', { cause: error })
    }
    const entries = readAwarenessUpdate(update)
    if (entries === null) throw new ProtocolViolation('malformed', 'an awareness message that could not be read')
    const refusal = judgePresence(entries, {
      user_id: peer.user_id,
      own: peer.awarenessClients,
      holderOf: client => this.presence.holderOf(client),
      maxEntries: this.options.awarenessPerRoom,
      only: this.ref.kind === 'profile' ? this.ref.user_id : undefined
    })
    if (refusal !== null) return this.refuse(peer, { scope: 'presence', reason: refusal })
    this.presence.apply(peer, entries)
  }

  /** Tells a peer one of its messages was refused; too many refusals and it is taken for hostile. */
  private refuse (peer: Peer, refusal: Refusal): void {
    const held = this.heldFor(peer)
    held.rejections += 1
    peer.send(encodeRefusalMessage(refusal))
    peer.refused?.(refusal)
    if (held.rejections > MAX_REJECTIONS) throw new ProtocolViolation('too-many-rejected-updates', 'too many refused updates')
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.answers.clear()
    // A peer's update is queued once judged and kept (receiveUpdate); one loaded from the store is stored already.
    if (origin === STORAGE_ORIGIN || (isOrigin(origin) && origin.source === 'peer')) return
    // Anything else is the relay's own write.
    this.gate!.followRelayWrite(this.doc, update)
    this.enqueue(update)
  }

  /** Queues an update the document has kept, to be stored and then forwarded. */
  private enqueue (update: Uint8Array): void {
    if (this.failure) return
    this.queue.push(update)
    this.flushing ??= this.flush()
  }

  /**
   * Writes queued updates, then sends them to every peer, the sender included: the echo
   * tells the sender that the relay has kept its update. Updates arriving in the same turn
   * of the event loop, or during a write, go out merged as one.
   * NOTE: waiting for the end of the turn costs nothing when the relay keeps up, and when it
   * falls behind (1,000 members at 100 msg/s) each peer gets one frame per turn instead of
   * one per message: the fan-out's cost then stops growing with the message rate.
   */
  private async flush (): Promise<void> {
    await nextTurn()
    while (this.queue.length > 0 && !this.failure) {
      const batch = this.queue
      this.queue = []
      const update = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch)
      try {
        // The owners of the client ids these updates write under are stored first.
        await this.gate!.owners.whenWritten()
        await this.options.store.append(this.name, update)
      } catch (error) {
        this.failure = error as Error
        this.options.onStorageFailure(this, this.failure)
        break
      }
      this.broadcast(encodeSyncMessage(encoder => syncProtocol.writeUpdate(encoder, update)))
    }
    this.flushing = null
  }

  private broadcast (message: Uint8Array): void {
    for (const peer of this.peers) peer.send(message)
  }

  /** Resolves once every update received so far is written (or the room has failed). */
  async whenWritten (): Promise<void> {
    while (this.flushing) await this.flushing
    await this.gate?.owners.whenWritten().catch(() => {})
  }

  get failed (): boolean { return this.failure !== null }

  destroy (): void {
    this.destroyed = true
    this.current?.off('update', this.onDocUpdate)
    this.presence.destroy()
    this.current?.destroy()
    this.current = null
    this.gate?.destroy()
  }
}
