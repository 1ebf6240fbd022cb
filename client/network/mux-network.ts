// Network over one multiplexed WebSocket (ws://relay/mux): every room of a client on one socket.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import type { Identity } from '../../shared/identity'
import {
  MUX_PATH, MessageType, SyncStep, decodeMuxFrame, encodeAwarenessMessage, encodeMuxFrame, encodeSyncMessage, encodeSyncStep,
  isWithinBounds, readClose, readRefusal, type PeopleAnswer, type PresenceRefusal, type UpdateRefusal
} from '../../shared/protocol'
import { RefusedChanges } from './refused-changes'
import { holdRemoteStates } from './relay-presence'
import { RelayState } from './relay-state'
import type { ConnectionStatus, Network, PeoplePage, RoomLink } from '../transport'

export interface MuxNetworkOptions {
  /** The relay's WebSocket URL, e.g. ws://localhost:1234 */
  url: string
  /** Who connects: every connection carries a fresh token signed with this identity's key. */
  identity: Identity
  /** An invitation, for a relay that is invite-only and does not know this identity yet. */
  invite?: string
  /** A WebSocket implementation where there is no global one (Node: the `ws` package). */
  WebSocket?: unknown
  /** Longest pause between reconnection attempts. */
  maxBackoffMs?: number
  /** How long a search waits for the relay's answer before it resolves 'offline' (default 10 s). */
  searchTimeoutMs?: number
}

/** Failed attempts in a row after which "connecting" is shown as "offline". */
const ATTEMPTS_BEFORE_OFFLINE = 3

const SEARCH_TIMEOUT_MS = 10_000

const pageOfAnswer = (answer: PeopleAnswer): PeoplePage =>
  answer.ok ? { ok: true, people: answer.people, cursor: answer.cursor } : { ok: false, reason: answer.reason }

class MuxRoomLink implements RoomLink {
  private isSynced = false
  /** Whether this room's sync step 2 has gone out on the current connection (see onDocUpdate). */
  private answered = false
  private denied: string | null = null
  private lastRejection: UpdateRefusal | PresenceRefusal | null = null
  private rejectionCount = 0
  /** What of this replica's changes the relay refused, no longer offered it (see RefusedChanges). */
  private readonly refused = new RefusedChanges()
  private readonly relayState = new RelayState()
  private readonly listeners = new Set<() => void>()
  /** Stops holding others' presence (see holdRemoteStates); set while the room is joined. */
  private releaseRemoteStates: (() => void) | null = null

  constructor (
    private readonly network: MuxNetwork,
    readonly room: string,
    private readonly doc: Y.Doc,
    private readonly awareness?: awarenessProtocol.Awareness
  ) {
    doc.on('update', this.onDocUpdate)
    awareness?.on('update', this.onAwarenessUpdate)
  }

  get status (): ConnectionStatus { return this.denied === null ? this.network.status : 'refused' }
  get refusal (): string | null { return this.denied ?? this.network.refusal }
  get synced (): boolean { return this.isSynced }
  acknowledged (client: number): number {
    // What the relay refused is settled too: it will never hold it.
    return this.refused.settled(client, this.relayState.acknowledged(client))
  }

  /** Why the relay last refused one of this replica's updates (e.g. 'not-yours'), or null. */
  get rejection (): UpdateRefusal | PresenceRefusal | null { return this.lastRejection }

  /** How many of this replica's updates the relay has refused. */
  get rejections (): number { return this.rejectionCount }

  whenSynced (timeoutMs: number): Promise<boolean> {
    if (this.isSynced) return Promise.resolve(true)
    return new Promise(resolve => {
      const timer = setTimeout(() => { unsubscribe(); resolve(false) }, timeoutMs)
      const unsubscribe = this.onChange(() => {
        if (!this.isSynced) return
        clearTimeout(timer)
        unsubscribe()
        resolve(true)
      })
    })
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  notify (): void { for (const listener of [...this.listeners]) listener() }

  /** The socket is open and the room joined: start the sync handshake. */
  start (): void {
    this.denied = null
    this.send(encodeSyncMessage(encoder => syncProtocol.writeSyncStep1(encoder, this.doc)))
    if (this.awareness) this.releaseRemoteStates ??= holdRemoteStates(this.awareness)
    // NOTE: the awareness's own client id: the doc's changes after a refusal (abandonRejected).
    if (this.awareness?.getLocalState()) {
      this.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.awareness.clientID])))
    }
  }

  /** The socket closed: nothing is synced any more, and nobody else's presence is known. */
  stop (): void {
    this.isSynced = false
    this.answered = false
    this.releaseRemoteStates?.()
    this.releaseRemoteStates = null
    if (this.awareness) {
      const others = [...this.awareness.getStates().keys()].filter(client => client !== this.awareness!.clientID)
      awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
    }
    this.notify()
  }

  /** Handles one y-websocket message of this room from the relay. */
  receive (decoder: decoding.Decoder): void {
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.sync: {
        const advanced = this.relayState.note(decoder)
        const syncType = decoding.peekVarUint(decoder)
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          decoding.readVarUint(decoder)
          this.answerSyncStep1(Y.decodeStateVector(decoding.readVarUint8Array(decoder)))
        } else {
          syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), this.doc, this)
        }
        if (syncType === syncProtocol.messageYjsSyncStep2 && !this.isSynced) this.isSynced = true
        if (advanced || syncType === syncProtocol.messageYjsSyncStep2) this.notify()
        return
      }
      case MessageType.awareness:
        if (this.awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
        return
      case MessageType.auth: {
        const refusal = readRefusal(decoder)
        switch (refusal?.scope) {
          case 'update': return this.abandonRejected(refusal.reason)
          case 'presence':
            this.lastRejection = refusal.reason
            this.rejectionCount += 1
            return this.notify()
          case 'room':
            this.denied = refusal.reason
            this.isSynced = false
            return this.notify()
        }
        return
      }
      case MessageType.queryAwareness:
        if (this.awareness) {
          const clients = [...this.awareness.getStates().keys()]
          this.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)))
        }
    }
  }

  /** Sends the relay what it lacks, except what it has refused. */
  private answerSyncStep1 (relayStateVector: Map<number, number>): void {
    const update = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.refused.withheld(relayStateVector)))
    this.send(encodeSyncStep(SyncStep.step2, update))
    this.answered = true
  }

  /** The relay refused an update of ours: its client id is given up (see RefusedChanges). */
  private abandonRejected (reason: UpdateRefusal): void {
    this.lastRejection = reason
    this.rejectionCount += 1
    this.refused.abandon(this.doc, this.awareness)
    this.notify()
  }

  private send (payload: Uint8Array): void { this.network.sendToRoom(this.room, payload) }

  /**
   * NOTE: nothing is sent before this room's sync step 2: that step carries every local change
   * anyway, and a change sent ahead of it could depend on changes the relay has not seen yet.
   */
  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== this && this.answered) this.send(encodeSyncStep(SyncStep.update, update))
  }

  /**
   * Sends our own state when it changes or is renewed. NOTE: only our own: the relay keeps
   * everyone else's, and refuses anyone's but ours. From the relay, only its word that we left
   * (it timed us out, say after the device slept) calls for an answer: y-protocols has then
   * advanced our clock, and we say at once that we are here.
   */
  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown
  ): void => {
    const own = this.awareness!.clientID
    const timedOut = origin === this && removed.includes(own) && this.awareness!.getLocalState() !== null
    if ((origin === this && !timedOut) || ![...added, ...updated, ...removed].includes(own)) return
    this.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness!, [own])))
  }

  destroy (): void {
    this.doc.off('update', this.onDocUpdate)
    this.awareness?.off('update', this.onAwarenessUpdate)
    this.releaseRemoteStates?.()
    this.releaseRemoteStates = null
    this.listeners.clear()
    this.network.remove(this)
  }
}

class MuxNetwork implements Network {
  private readonly rooms = new Map<string, Set<MuxRoomLink>>()
  private readonly WebSocketClass: typeof WebSocket
  private socket: WebSocket | null = null
  /** A token is being made for the next socket. */
  private preparing = false
  private open = false
  private refused: string | null = null
  private invite: string
  private online = true
  private failures = 0
  private retry: ReturnType<typeof setTimeout> | null = null
  /** Searches sent and not yet answered, by their id: each settles its promise once. */
  private readonly searches = new Map<number, (page: PeoplePage) => void>()
  private lastSearchId = 0

  constructor (private readonly options: MuxNetworkOptions) {
    this.WebSocketClass = (options.WebSocket ?? globalThis.WebSocket) as typeof WebSocket
    this.invite = options.invite ?? ''
  }

  get refusal (): string | null { return this.refused }

  get status (): ConnectionStatus {
    if (this.open) return 'connected'
    if (this.refused !== null) return 'refused'
    return !this.online || this.failures >= ATTEMPTS_BEFORE_OFFLINE ? 'offline' : 'connecting'
  }

  connect (room: string, doc: Y.Doc, awareness?: awarenessProtocol.Awareness): RoomLink {
    const link = new MuxRoomLink(this, room, doc, awareness)
    const links = this.rooms.get(room) ?? new Set()
    const first = links.size === 0
    this.rooms.set(room, links.add(link))
    if (this.open) {
      if (first) this.sendFrame(encodeMuxFrame({ kind: 'join', room }))
      link.start()
    } else {
      this.ensureSocket()
    }
    return link
  }

  remove (link: MuxRoomLink): void {
    const links = this.rooms.get(link.room)
    if (!links?.delete(link)) return
    if (links.size > 0) return
    this.rooms.delete(link.room)
    if (this.open) this.sendFrame(encodeMuxFrame({ kind: 'leave', room: link.room }))
    if (this.rooms.size === 0) this.closeSocket()
  }

  /**
   * Sends a search on the open socket and resolves with the relay's answer of the same id.
   * NOTE: a search does not open a socket of its own: with none open (no room joined, offline,
   * refused), or when it closes first, or after searchTimeoutMs, it resolves 'offline'. One out
   * of bounds is 'bad-query' at once: sending it would only bring the same answer back.
   */
  findPeople (query: string, { cursor, limit }: { cursor: string | null; limit: number }): Promise<PeoplePage> {
    const id = ++this.lastSearchId
    if (!isWithinBounds({ id, query, cursor, limit })) return Promise.resolve({ ok: false, reason: 'bad-query' })
    if (!this.open) return Promise.resolve({ ok: false, reason: 'offline' })
    return new Promise(resolve => {
      const timer = setTimeout(() => settle({ ok: false, reason: 'offline' }), this.options.searchTimeoutMs ?? SEARCH_TIMEOUT_MS)
      const settle = (page: PeoplePage): void => {
        clearTimeout(timer)
        this.searches.delete(id)
        resolve(page)
      }
      this.searches.set(id, settle)
      this.sendFrame(encodeMuxFrame({ kind: 'search', query: { id, query, cursor, limit } }))
    })
  }

  setInvite (invite: string): void {
    this.invite = invite.trim()
    this.refused = null
    this.failures = 0
    this.closeSocket()
    this.ensureSocket()
    this.notifyAll()
  }

  setOnline (online: boolean): void {
    this.online = online
    if (online) {
      this.failures = 0
      this.refused = null
      this.ensureSocket()
    } else {
      this.closeSocket()
    }
    this.notifyAll()
  }

  sendToRoom (room: string, payload: Uint8Array): void {
    if (this.open) this.sendFrame(encodeMuxFrame({ kind: 'message', room, payload }))
  }

  private sendFrame (bytes: Uint8Array): void { this.socket?.send(bytes as Uint8Array<ArrayBuffer>) }

  private ensureSocket (): void {
    if (this.socket || this.preparing || this.retry || !this.online || this.refused !== null || this.rooms.size === 0) return
    const url = `${this.options.url.replace(/\/+$/, '')}/${MUX_PATH}`
    this.preparing = true
    createConnectToken(this.options.identity, url, { invite: this.invite }).then(token => {
      this.preparing = false
      this.openSocket(url, token)
    }, (error: Error) => {
      this.preparing = false
      console.error('parley: could not sign a connection token', error)
    })
  }

  private openSocket (url: string, token: string): void {
    if (this.socket || !this.online || this.rooms.size === 0) return
    const socket = new this.WebSocketClass(url, connectProtocols(token))
    socket.binaryType = 'arraybuffer'
    this.socket = socket
    socket.onopen = () => {
      this.open = true
      for (const [room, links] of this.rooms) {
        this.sendFrame(encodeMuxFrame({ kind: 'join', room }))
        for (const link of links) link.start()
      }
      this.notifyAll()
    }
    socket.onmessage = event => this.receive(new Uint8Array(event.data as ArrayBuffer))
    socket.onerror = () => {}
    socket.onclose = event => this.onSocketClosed(socket, event)
  }

  private receive (bytes: Uint8Array): void {
    try {
      const frame = decodeMuxFrame(bytes)
      if (typeof frame === 'string') throw new Error(`a ${frame} frame`)
      // An answer to a search no longer waited for (timed out, or of an earlier socket) is dropped.
      if (frame.kind === 'people') return this.searches.get(frame.answer.id)?.(pageOfAnswer(frame.answer))
      if (frame.kind !== 'message') return
      for (const link of this.rooms.get(frame.room) ?? []) link.receive(decoding.createDecoder(frame.payload))
    } catch (error) {
      console.error('parley: a message from the relay could not be read', error)
    }
  }

  private onSocketClosed (socket: WebSocket, event: CloseEvent): void {
    if (socket !== this.socket) return
    // Refused credentials, or another protocol version, stay refused until something changes
    // (an invitation, going online again, a reload): never a reconnection loop.
    const close = readClose(event.code, event.reason)
    if (close.final) this.refused = close.reason ?? (event.reason || 'refused')
    // A connection that opened and then closed counts as a fresh start; one that never opened as a failure.
    this.failures = this.open ? 1 : this.failures + 1
    this.socket = null
    this.open = false
    this.abandonSearches()
    for (const links of this.rooms.values()) for (const link of links) link.stop()
    if (this.online && this.refused === null && this.rooms.size > 0) {
      const delay = Math.min(100 * 2 ** this.failures, this.options.maxBackoffMs ?? 2500)
      this.retry = setTimeout(() => {
        this.retry = null
        this.ensureSocket()
      }, delay)
    }
    this.notifyAll()
  }

  private closeSocket (): void {
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    const socket = this.socket
    if (!socket) return
    this.socket = null
    const wasOpen = this.open
    this.open = false
    socket.onclose = null
    socket.onmessage = null
    socket.close()
    this.abandonSearches()
    if (wasOpen) for (const links of this.rooms.values()) for (const link of links) link.stop()
  }

  /** The socket is gone: no search sent on it will be answered. */
  private abandonSearches (): void {
    for (const settle of [...this.searches.values()]) settle({ ok: false, reason: 'offline' })
  }

  private notifyAll (): void {
    for (const links of this.rooms.values()) for (const link of links) link.notify()
  }
}

/** One socket for every room: what the web app uses, so hundreds of conversations cost one connection. */
export const muxNetwork = (options: MuxNetworkOptions): Network => new MuxNetwork(options)
