// Network over the upstream y-websocket WebsocketProvider: one provider per room.
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { MessageType } from '../protocol'
import { RelayState } from './relay-state'
import type { ConnectionStatus, Network, RoomLink } from './transport'

export interface WebsocketNetworkOptions {
  /** The relay's WebSocket URL, e.g. ws://localhost:1234 */
  url: string
  /** A WebSocket implementation where there is no global one (Node: the `ws` package). */
  WebSocket?: unknown
  /** Cross-tab sync over BroadcastChannel; turn off when several clients share one process. */
  broadcastChannel?: boolean
  /** Longest pause between reconnection attempts. */
  maxBackoffMs?: number
}

const statusOf = (provider: WebsocketProvider): ConnectionStatus =>
  provider.wsconnected ? 'connected' : provider.wsconnecting || provider.shouldConnect ? 'connecting' : 'offline'

class WebsocketRoomLink implements RoomLink {
  private readonly provider: WebsocketProvider
  private readonly listeners = new Set<() => void>()
  private readonly relayState = new RelayState()
  private readonly notify = () => { for (const listener of this.listeners) listener() }

  constructor (room: string, doc: Y.Doc, awareness: Awareness | undefined, options: WebsocketNetworkOptions, online: boolean,
    private readonly onDestroy: (link: WebsocketRoomLink) => void) {
    this.provider = new WebsocketProvider(options.url, room, doc, {
      connect: online,
      awareness,
      WebSocketPolyfill: options.WebSocket as typeof WebSocket | undefined,
      disableBc: options.broadcastChannel === false,
      maxBackoffTime: options.maxBackoffMs ?? 2500
    })
    this.provider.on('status', this.notify)
    this.provider.on('sync', this.notify)
    this.watchRelayState()
  }

  /** Notes what the relay holds from each of its sync messages, then lets the provider handle it. */
  private watchRelayState (): void {
    const handleSync = this.provider.messageHandlers[MessageType.sync]!
    this.provider.messageHandlers[MessageType.sync] = (encoder, decoder, provider, emitSynced, messageType) => {
      if (this.relayState.note(decoder)) this.notify()
      handleSync(encoder, decoder, provider, emitSynced, messageType)
    }
  }

  acknowledged (client: number): number { return this.relayState.acknowledged(client) }

  get status (): ConnectionStatus {
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
    if (online) this.provider.connect()
    else this.provider.disconnect()
    this.notify()
  }

  destroy (): void {
    this.listeners.clear()
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
    }
  }
}
