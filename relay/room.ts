// One loaded room: its document, its awareness, its peers, and the write-then-broadcast path.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { STORAGE_ORIGIN, peerOrigin, type Origin } from '../shared/origin'
import { MessageType } from '../shared/protocol'
import { encodeMessage } from '../shared/wire'
import type { RoomStore } from './storage/store'

/** One connection's side of a room. */
export interface Peer {
  send(message: Uint8Array): void
  /** The awareness client ids this peer has published, removed when it leaves. */
  readonly awarenessClients: Set<number>
}

export type ProtocolViolationReason = 'malformed' | 'unknown-message-type' | 'rejected-update'

export class ProtocolViolation extends Error {
  constructor (readonly reason: ProtocolViolationReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProtocolViolation'
  }
}

const peerOf = (origin: unknown): Peer | null => {
  const tagged = origin as Origin | null
  return tagged?.source === 'peer' ? (tagged.peer as Peer) : null
}

const syncMessage = (write: (encoder: encoding.Encoder) => void): Uint8Array => encodeMessage(MessageType.sync, write)

const awarenessMessage = (awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array =>
  encodeMessage(MessageType.awareness, encoder =>
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients)))

export class Room {
  readonly doc = new Y.Doc({ gc: true })
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  readonly peers = new Set<Peer>()
  private queue: Uint8Array[] = []
  private flushing: Promise<void> | null = null
  private failure: Error | null = null

  private constructor (
    readonly name: string,
    private readonly store: RoomStore,
    private readonly onStorageFailure: (room: Room, error: Error) => void
  ) {
    // The relay holds no awareness state of its own.
    this.awareness.setLocalState(null)
    this.doc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /**
   * Loads the room from the store. NOTE: a room answers nobody before this resolves, or a
   * client would take the still-empty document for the room's state.
   */
  static async load (name: string, store: RoomStore, onStorageFailure: (room: Room, error: Error) => void): Promise<Room> {
    const room = new Room(name, store, onStorageFailure)
    const stored = await store.load(name)
    if (stored) Y.applyUpdate(room.doc, stored, STORAGE_ORIGIN)
    return room
  }

  /** Adds a peer and starts the sync handshake with it. */
  join (peer: Peer): void {
    this.peers.add(peer)
    peer.send(syncMessage(encoder => syncProtocol.writeSyncStep1(encoder, this.doc)))
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length > 0) peer.send(awarenessMessage(this.awareness, clients))
  }

  /** Removes a peer, and with it the presence it published. */
  leave (peer: Peer): void {
    this.peers.delete(peer)
    if (peer.awarenessClients.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...peer.awarenessClients], null)
    }
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
        peer.send(awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]))
        return
      default:
        throw new ProtocolViolation('unknown-message-type', `unknown message type ${type}`)
    }
  }

  private receiveSync (peer: Peer, decoder: decoding.Decoder): void {
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
        try {
          Y.decodeStateVector(payload)
        } catch (error) {
          throw new ProtocolViolation('malformed', 'unreadable state vector', { cause: error })
        }
        // Answer with what the peer lacks.
        peer.send(syncMessage(encoder => syncProtocol.writeSyncStep2(encoder, this.doc, payload)))
        return
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        // NOTE: not y-protocols' readSyncStep2, which logs and swallows what Yjs rejects.
        try {
          Y.applyUpdate(this.doc, payload, peerOrigin(peer))
        } catch (error) {
          throw new ProtocolViolation('rejected-update', 'an update Yjs could not apply', { cause: error })
        }
        return
      default:
        throw new ProtocolViolation('unknown-message-type', `unknown sync message type ${step}`)
    }
  }

  private receiveAwareness (peer: Peer, decoder: decoding.Decoder): void {
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), peerOrigin(peer))
    } catch (error) {
      throw new ProtocolViolation('malformed', 'an awareness message that could not be read', { cause: error })
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === STORAGE_ORIGIN || this.failure) return
    this.queue.push(update)
    this.flushing ??= this.flush()
  }

  /**
   * Writes queued updates, then sends them to every peer, the sender included: the echo
   * tells the sender that the relay has kept its update. Updates arriving during a write
   * go out together in the next one.
   */
  private async flush (): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const batch = this.queue
      this.queue = []
      const update = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch)
      try {
        await this.store.append(this.name, update)
      } catch (error) {
        this.failure = error as Error
        this.onStorageFailure(this, this.failure)
        break
      }
      this.broadcast(syncMessage(encoder => syncProtocol.writeUpdate(encoder, update)))
    }
    this.flushing = null
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown
  ): void => {
    const peer = peerOf(origin)
    if (peer) {
      for (const client of [...added, ...updated]) peer.awarenessClients.add(client)
      for (const client of removed) peer.awarenessClients.delete(client)
    }
    const changed = [...added, ...updated, ...removed]
    if (changed.length > 0) this.broadcast(awarenessMessage(this.awareness, changed))
  }

  private broadcast (message: Uint8Array): void {
    for (const peer of this.peers) peer.send(message)
  }

  /** Resolves once every update received so far is written (or the room has failed). */
  async whenWritten (): Promise<void> {
    while (this.flushing) await this.flushing
  }

  get failed (): boolean { return this.failure !== null }

  destroy (): void {
    this.doc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }
}
