// Network over the upstream y-websocket WebsocketProvider: one provider (and socket) per room.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import type { Identity } from '../../shared/identity'
import { MessageType, encodeQueryAwarenessMessage, readClose, readRefusal, type PresenceRefusal, type UpdateRefusal } from '../../shared/protocol'
import { RefusedChanges } from './refused-changes'
import { RelayState } from './relay-state'
import { holdRemoteStates } from './relay-presence'
import type { ConnectionStatus, Network, RoomLink } from '../transport'

/** Silence after which a presence room's socket asks the relay for its presence: well within the provider's 30 s. */
const QUIET_MS = 10_000

export interface WebsocketNetworkOptions {
  /** The relay's WebSocket URL, e.g. ws://localhost:1234 */
  url: string
  /** Who connects: every connection carries a fresh token signed with this identity's key. */
  identity: Identity
  /** An invitation, for a relay that is invite-only and does not know this identity yet. */
  invite?: string
  /** A WebSocket implementation where there is no global one (Node: the `ws` package). */
  WebSocket?: unknown
  /** Cross-tab sync over BroadcastChannel; turn off when several clients share one process. */
  broadcastChannel?: boolean
  /** Longest pause between reconnection attempts. */
  maxBackoffMs?: number
}

/** How often an unused token is replaced, well within its lifetime. */
const TOKEN_REFRESH_MS = 20_000

/**
 * Signed tokens made ahead of time. NOTE: the provider opens its sockets synchronously
 * (`new WebSocket(url, protocols)`) while signing is asynchronous, so a fresh token is
 * always kept ready and replaced once used or once it gets old.
 */
class TokenSupply {
  private ready: string | null = null
  private readonly timer: ReturnType<typeof setInterval>
  private refilling: Promise<void> | null = null

  constructor (private readonly identity: Identity, private readonly url: string, public invite: string) {
    void this.refill()
    this.timer = setInterval(() => { void this.refill() }, TOKEN_REFRESH_MS)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  /** Resolves once a token is ready. */
  async whenReady (): Promise<void> {
    while (this.ready === null) await (this.refilling ?? this.refill())
  }

  take (): string {
    const token = this.ready ?? ''
    this.ready = null
    void this.refill()
    return token
  }

  refill (): Promise<void> {
    this.refilling ??= createConnectToken(this.identity, this.url, { invite: this.invite }).then(token => {
      this.ready = token
    }, error => {
      console.error('parley: could not sign a connection token', error)
    }).finally(() => { this.refilling = null })
    return this.refilling
  }

  destroy (): void { clearInterval(this.timer) }
}

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] }

const statusOf = (provider: WebsocketProvider): ConnectionStatus =>
  provider.wsconnected ? 'connected' : provider.wsconnecting || provider.shouldConnect ? 'connecting' : 'offline'

class WebsocketRoomLink implements RoomLink {
  private readonly provider: WebsocketProvider
  private readonly tokens: TokenSupply
  private readonly listeners = new Set<() => void>()
  private readonly relayState = new RelayState()
  /** What of this replica's changes the relay refused, no longer offered it (see RefusedChanges). */
  private readonly refusedChanges = new RefusedChanges()
  /** A presence of the link's own, that stays empty, for a room that carries none. */
  private readonly silentAwareness: awarenessProtocol.Awareness | null = null
  private refused: string | null = null
  private lastRejection: UpdateRefusal | PresenceRefusal | null = null
  private rejectionCount = 0
  private destroyed = false
  /** Stops holding others' presence (see holdRemoteStates); set while the socket is open. */
  private releaseRemoteStates: (() => void) | null = null
  /** Asks for the room's presence when it has been quiet (see holdPresenceWhileConnected); set while the socket is open. */
  private presenceQueries: ReturnType<typeof setInterval> | null = null
  private readonly notify = () => { for (const listener of this.listeners) listener() }

  constructor (room: string, doc: Y.Doc, awareness: awarenessProtocol.Awareness | undefined, options: WebsocketNetworkOptions, online: boolean,
    private readonly onDestroy: (link: WebsocketRoomLink) => void) {
    const url = `${options.url.replace(/\/+$/, '')}/${room}`
    const tokens = new TokenSupply(options.identity, url, options.invite ?? '')
    const Base = (options.WebSocket ?? globalThis.WebSocket) as typeof WebSocket
    // Each socket the provider opens offers Parley's subprotocol and a token never used before.
    const WebSocketWithToken = class extends Base {
      constructor (address: string | URL) { super(address, connectProtocols(tokens.take())) }
    }
    this.tokens = tokens
    // NOTE: left to itself the provider makes a presence of `{}` for a room given none, which
    // the relay refuses (it carries no user): such a room gets one that says nothing.
    if (!awareness) {
      this.silentAwareness = new awarenessProtocol.Awareness(doc)
      this.silentAwareness.setLocalState(null)
    }
    this.provider = new WebsocketProvider(options.url, room, doc, {
      connect: false,
      awareness: awareness ?? this.silentAwareness!,
      WebSocketPolyfill: WebSocketWithToken,
      disableBc: options.broadcastChannel === false,
      maxBackoffTime: options.maxBackoffMs ?? 2500
    })
    this.provider.on('status', this.notify)
    this.provider.on('sync', this.notify)
    // The provider stops on 4400–4499; a close the table calls final is shown as a refusal.
    this.provider.on('closed', ({ code, reason }) => {
      const close = readClose(code, reason)
      if (close.final) this.refused = close.reason ?? (reason || 'refused')
      this.notify()
    })
    if (awareness) this.holdPresenceWhileConnected(awareness)
    this.sendOwnPresenceOnly()
    this.watchRelayState()
    this.watchRefusals()
    if (online) void this.connect()
  }

  private async connect (): Promise<void> {
    await this.tokens.whenReady()
    if (!this.destroyed) this.provider.connect()
  }

  /**
   * Others' presence stays while the socket is open; the provider removes it when the socket
   * closes. NOTE: the provider also closes a socket that has heard nothing for 30 s, and a room
   * where one publishes no presence (someone else's profile) hears nothing while nothing
   * changes: such a socket asks the relay for the room's presence once quiet for a while, so it
   * stays open (and a dead one is still found out).
   */
  private holdPresenceWhileConnected (awareness: awarenessProtocol.Awareness): void {
    this.provider.on('status', ({ status }) => {
      if (status === 'connected') {
        this.releaseRemoteStates ??= holdRemoteStates(awareness)
        this.presenceQueries ??= setInterval(() => this.askPresenceIfQuiet(), QUIET_MS / 2)
        ;(this.presenceQueries as { unref?: () => void }).unref?.()
      } else {
        this.releaseRemoteStates?.()
        this.releaseRemoteStates = null
        this.stopPresenceQueries()
      }
    })
  }

  private stopPresenceQueries (): void {
    if (this.presenceQueries) clearInterval(this.presenceQueries)
    this.presenceQueries = null
  }

  private askPresenceIfQuiet (): void {
    const socket = this.provider.ws
    // The provider stamps each message it receives with lib0's getUnixTime (Date.now()).
    if (!this.provider.wsconnected || socket === null || Date.now() - this.provider.wsLastMessageReceived < QUIET_MS) return
    socket.send(encodeQueryAwarenessMessage() as Uint8Array<ArrayBuffer>)
  }

  /**
   * Sends the relay our own presence only. NOTE: the provider re-sends every presence change it
   * sees, others' included, and answers a query with everyone's; the relay keeps everyone
   * else's itself and refuses them from us ('taken-client-id'), and enough refusals close the
   * connection. Changes are cut down to our own client id before the provider's handler sends them.
   */
  private sendOwnPresenceOnly (): void {
    const awareness = this.provider.awareness
    const upstream = (this.provider as unknown as { _awarenessUpdateHandler?: (changes: AwarenessChanges, origin: unknown) => void })._awarenessUpdateHandler
    if (typeof upstream !== 'function') throw new Error('y-websocket no longer has _awarenessUpdateHandler: see sendOwnPresenceOnly')
    awareness.off('update', upstream)
    awareness.on('update', ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
      const own = (clients: number[]) => clients.filter(client => client === awareness.clientID)
      const changes = { added: own(added), updated: own(updated), removed: own(removed) }
      if (changes.added.length + changes.updated.length + changes.removed.length > 0) upstream(changes, origin)
    })
    this.provider.messageHandlers[MessageType.queryAwareness] = encoder => {
      encoding.writeVarUint(encoder, MessageType.awareness)
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]))
    }
  }

  /**
   * Notes what the relay holds from each of its sync messages, then lets the provider handle it;
   * answers the relay's sync step 1 itself, leaving out what the relay refused (the provider
   * would offer everything the relay lacks, refused changes included, on every connection).
   */
  private watchRelayState (): void {
    const handleSync = this.provider.messageHandlers[MessageType.sync]!
    this.provider.messageHandlers[MessageType.sync] = (encoder, decoder, provider, emitSynced, messageType) => {
      if (this.relayState.note(decoder)) this.notify()
      if (decoding.peekVarUint(decoder) !== syncProtocol.messageYjsSyncStep1) return handleSync(encoder, decoder, provider, emitSynced, messageType)
      decoding.readVarUint(decoder)
      const relayStateVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
      encoding.writeVarUint(encoder, MessageType.sync)
      syncProtocol.writeSyncStep2(encoder, provider.doc, Y.encodeStateVector(this.refusedChanges.withheld(relayStateVector)))
    }
  }

  /** Keeps the relay's "permission denied" for this room instead of the provider's console warning. */
  private watchRefusals (): void {
    this.provider.messageHandlers[MessageType.auth] = (_encoder, decoder) => {
      const refusal = readRefusal(decoder)
      if (refusal === null) return
      // One refused update or presence message is not a refused room.
      if (refusal.scope === 'room') {
        this.refused = refusal.reason
      } else {
        this.lastRejection = refusal.reason
        this.rejectionCount += 1
        if (refusal.scope === 'update') this.refusedChanges.abandon(this.provider.doc, this.provider.awareness)
      }
      this.notify()
    }
  }

  acknowledged (client: number): number {
    // What the relay refused is settled too: it will never hold it.
    return this.refusedChanges.settled(client, this.relayState.acknowledged(client))
  }

  get refusal (): string | null { return this.refused }
  get rejection (): UpdateRefusal | PresenceRefusal | null { return this.lastRejection }
  get rejections (): number { return this.rejectionCount }

  get status (): ConnectionStatus {
    if (this.refused !== null && !this.provider.wsconnected) return 'refused'
    // NOTE: between attempts the provider is "disconnected" but will retry: that is still connecting.
    const status = statusOf(this.provider)
    return status === 'connecting' && this.provider.wsUnsuccessfulReconnects > 2 ? 'offline' : status
  }

  get synced (): boolean { return this.provider.synced }

  whenSynced (timeoutMs: number): Promise<boolean> {
    if (this.provider.synced) return Promise.resolve(true)
    return new Promise(resolve => {
      const done = (synced: boolean) => {
        clearTimeout(timer)
        this.provider.off('sync', onSync)
        resolve(synced)
      }
      const onSync = (synced: boolean) => { if (synced) done(true) }
      const timer = setTimeout(() => done(false), timeoutMs)
      this.provider.on('sync', onSync)
    })
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  setOnline (online: boolean): void {
    if (online) {
      this.refused = null
      void this.connect()
    } else {
      this.provider.disconnect()
    }
    this.notify()
  }

  setInvite (invite: string): void {
    this.tokens.invite = invite
    this.provider.disconnect()
    void this.tokens.refill().then(() => this.setOnline(true))
  }

  destroy (): void {
    this.destroyed = true
    this.stopPresenceQueries()
    this.releaseRemoteStates?.()
    this.releaseRemoteStates = null
    this.listeners.clear()
    this.tokens.destroy()
    this.provider.destroy()
    this.silentAwareness?.destroy()
    this.onDestroy(this)
  }
}

export const websocketNetwork = (options: WebsocketNetworkOptions): Network => {
  const links = new Set<WebsocketRoomLink>()
  let online = true
  return {
    connect: (room, doc, awareness) => {
      const link = new WebsocketRoomLink(room, doc, awareness, options, online, forget => links.delete(forget))
      links.add(link)
      return link
    },
    // NOTE: a socket per room has nowhere to ask the relay for people: only the mux socket does.
    findPeople: async () => ({ ok: false, reason: 'unsupported' }),
    setOnline: value => {
      online = value
      for (const link of links) link.setOnline(value)
    },
    setInvite: invite => {
      options = { ...options, invite }
      for (const link of links) link.setInvite(invite)
    }
  }
}
