// Test support: an in-memory relay keeping the documents of each room in sync across the clients online, and acknowledging on demand.
import * as Y from 'yjs'
import { peerOrigin } from '../../shared/origin'
import type { ConnectionStatus, Network, PeoplePage, RoomLink } from '../transport'

const HUB_ORIGIN = peerOrigin('hub')

/**
 * Stands in for the relay: keeps the docs of one room in sync across the networks that are
 * online. NOTE: every doc talks to every other directly, so an update the hub applies is
 * never forwarded again. Awareness is not relayed.
 */
export class Hub {
  private readonly rooms = new Map<string, Set<HubLink>>()

  network (): HubNetwork { return new HubNetwork(this) }

  join (link: HubLink): void {
    const room = this.rooms.get(link.room) ?? new Set()
    this.rooms.set(link.room, room.add(link))
    this.exchange(link)
  }

  leave (link: HubLink): void { this.rooms.get(link.room)?.delete(link) }

  /** Sends an update to every other online doc of its room. */
  relay (from: HubLink, update: Uint8Array): void {
    for (const peer of this.peersOf(from)) Y.applyUpdate(peer.doc, update, HUB_ORIGIN)
  }

  /** Brings a doc and its online peers up to date with each other, both ways. */
  exchange (link: HubLink): void {
    if (!link.network.online) return
    for (const peer of this.peersOf(link)) {
      Y.applyUpdate(peer.doc, Y.encodeStateAsUpdate(link.doc), HUB_ORIGIN)
      Y.applyUpdate(link.doc, Y.encodeStateAsUpdate(peer.doc), HUB_ORIGIN)
    }
  }

  private peersOf (link: HubLink): HubLink[] {
    return [...this.rooms.get(link.room) ?? []].filter(peer => peer !== link && peer.network.online)
  }
}

export class HubNetwork implements Network {
  online = true
  readonly links = new Set<HubLink>()

  constructor (private readonly hub: Hub) {}

  connect (room: string, doc: Y.Doc): RoomLink {
    const link = new HubLink(this.hub, this, room, doc)
    this.links.add(link)
    this.hub.join(link)
    return link
  }

  /** The in-memory hub holds rooms, not a relay's people index. */
  async findPeople (): Promise<PeoplePage> { return { ok: false, reason: 'unsupported' } }

  setOnline (online: boolean): void {
    if (online === this.online) return
    this.online = online
    for (const link of this.links) this.hub.exchange(link)
    for (const link of this.links) link.notify()
  }

  setInvite (): void {}
}

export class HubLink implements RoomLink {
  private readonly listeners = new Set<() => void>()
  /** What the hub has told this link it holds, per Yjs client (see Hub.acknowledge). */
  private readonly acks = new Map<number, number>()

  constructor (private readonly hub: Hub, readonly network: HubNetwork, readonly room: string, readonly doc: Y.Doc) {
    doc.on('update', this.onUpdate)
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== HUB_ORIGIN && this.network.online) this.hub.relay(this, update)
  }

  get status (): ConnectionStatus { return this.network.online ? 'connected' : 'offline' }
  readonly refusal = null
  readonly rejection = null
  readonly rejections = 0
  get synced (): boolean { return this.network.online }
  async whenSynced (): Promise<boolean> { return this.synced }
  acknowledged (client: number): number { return this.acks.get(client) ?? 0 }

  /** The relay confirms everything this doc holds now, as an echo or a sync step 1 would. */
  acknowledgeAll (): void {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) this.acks.set(client, clock)
    this.notify()
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  notify (): void { for (const listener of this.listeners) listener() }

  destroy (): void {
    this.doc.off('update', this.onUpdate)
    this.hub.leave(this)
    this.network.links.delete(this)
  }
}
