// Network over the upstream y-websocket WebsocketProvider: one provider (and socket) per room.
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { connectProtocols, createConnectToken } from '../connect-token'
import type { Identity } from '../identity'
import { MessageType, readClose, readRefusal, type PresenceRefusal, type UpdateRefusal } from '../protocol'
import { RelayState } from './relay-state'
import { holdRemoteStates } from './relay-presence'
import type { ConnectionStatus, Network, RoomLink } from './transport'

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

const statusOf = (provider: WebsocketProvider): ConnectionStatus =>
  provider.wsconnected ? 'connected' : provider.wsconnecting || provider.shouldConnect ? 'connecting' : 'offline'

class WebsocketRoomLink implements RoomLink {
  private readonly provider: WebsocketProvider
  private readonly tokens: TokenSupply
  private readonly listeners = new Set<() => void>()
  private readonly relayState = new RelayState()
  private refused: string | null = null
  private lastRejection: UpdateRefusal | PresenceRefusal | null = null
  private rejectionCount = 0
  private destroyed = false
  /** Stops holding others' presence (see holdRemoteStates); set while the socket is open. */
  private releaseRemoteStates: (() => void) | null = null
  private readonly notify = () => { for (const listener of this.listeners) listener() }

  constructor (room: string, doc: Y.Doc, awareness: Awareness | undefined, options: WebsocketNetworkOptions, online: boolean,
    private readonly onDestroy: (link: WebsocketRoomLink) => void) {
    const url = `${options.url.replace(/\/+$/, '')}/${room}`
    const tokens = new TokenSupply(options.identity, url, options.invite ?? '')
    const Base = (options.WebSocket ?? globalThis.WebSocket) as typeof WebSocket
    // Each socket the provider opens offers Parley's subprotocol and a token never used before.
    const WebSocketWithToken = class extends Base {
      constructor (address: string | URL) { super(address, connectProtocols(tokens.take())) }
    }
    this.tokens = tokens
    this.provider = new WebsocketProvider(options.url, room, doc, {
      connect: false,
      awareness,
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
    this.watchRelayState()
    this.watchRefusals()
    if (online) void this.connect()
  }

  private async connect (): Promise<void> {
    await this.tokens.whenReady()
    if (!this.destroyed) this.provider.connect()
  }

  /** Others' presence stays while the socket is open; the provider removes it when the socket closes. */
  private holdPresenceWhileConnected (awareness: Awareness): void {
    this.provider.on('status', ({ status }) => {
      if (status === 'connected') {
        this.releaseRemoteStates ??= holdRemoteStates(awareness)
      } else {
        this.releaseRemoteStates?.()
        this.releaseRemoteStates = null
      }
    })
  }

  /** Notes what the relay holds from each of its sync messages, then lets the provider handle it. */
  private watchRelayState (): void {
    const handleSync = this.provider.messageHandlers[MessageType.sync]!
    this.provider.messageHandlers[MessageType.sync] = (encoder, decoder, provider, emitSynced, messageType) => {
      if (this.relayState.note(decoder)) this.notify()
      handleSync(encoder, decoder, provider, emitSynced, messageType)
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
      }
      this.notify()
    }
  }

  acknowledged (client: number): number { return this.relayState.acknowledged(client) }

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
    this.releaseRemoteStates?.()
    this.releaseRemoteStates = null
    this.listeners.clear()
    this.tokens.destroy()
    this.provider.destroy()
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
