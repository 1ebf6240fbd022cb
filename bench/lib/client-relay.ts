// The Parley relay in-process for the client benchmarks, over a store that counts the bytes it keeps and writes.
import * as Y from 'yjs'
import WebSocket from 'ws'
import { consoleLogger } from '../../relay/log'
import { startRelay, type Relay } from '../../relay/server'
import { StorageError, type RoomStore } from '../../relay/storage/store'
import { DEFAULT_LIMITS, type RelayLimits } from '../../relay/trust/limits'
import type { Identity } from '../../shared/identity'
import { muxNetwork } from '../../shared/client/mux-network'
import type { Network } from '../../shared/client/transport'

/**
 * MemoryStore's semantics (append-only rooms, compaction merges) with byte accounting. The
 * values it keeps are the ones LeveldbStore keeps under its keys, so its figures hold for both.
 */
export class CountingStore implements RoomStore {
  private readonly rooms = new Map<string, Uint8Array[]>()
  private closed = false
  /** Bytes handed to the store: every append, and every merged update a compaction wrote. */
  written = 0
  appends = 0

  /** Starts with each room holding its seed as one stored update. */
  constructor (seed: ReadonlyMap<string, Uint8Array> = new Map()) {
    for (const [room, update] of seed) this.rooms.set(room, [update])
  }

  async load (room: string): Promise<Uint8Array | null> {
    this.assertOpen()
    const updates = this.rooms.get(room)
    return updates ? Y.mergeUpdates(updates) : null
  }

  async append (room: string, update: Uint8Array): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room) ?? []
    updates.push(update.slice())
    this.rooms.set(room, updates)
    this.written += update.byteLength
    this.appends += 1
  }

  async compact (room: string): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room)
    if (!updates || updates.length < 2) return
    const merged = Y.mergeUpdates(updates)
    this.rooms.set(room, [merged])
    this.written += merged.byteLength
  }

  async close (): Promise<void> { this.closed = true }

  /**
   * This store for one relay: closing the relay leaves it open. NOTE: so that one seeded store
   * serves a fresh relay per repetition.
   */
  forRelay (): RoomStore {
    return {
      load: room => this.load(room),
      append: (room, update) => this.append(room, update),
      compact: room => this.compact(room),
      close: async () => {}
    }
  }

  private assertOpen (): void {
    if (this.closed) throw new StorageError('closed', 'the store is closed')
  }

  /** Bytes stored for the rooms `which` selects. */
  bytes (which: (room: string) => boolean = () => true): number {
    let bytes = 0
    for (const [room, updates] of this.rooms) if (which(room)) for (const update of updates) bytes += update.byteLength
    return bytes
  }

  roomNames (): string[] { return [...this.rooms.keys()] }
}

/**
 * NOTE: as in bench/servers/parley-server.ts: one process plays every client from one address
 * at benchmark speed, which the defaults would (rightly) throttle; and a naive log of 100k
 * messages is one 35 MB sync message, past the default 16 MB send buffer. Authentication, room
 * access, write judging and signatures all stay on.
 */
export const BENCH_LIMITS: RelayLimits = {
  ...DEFAULT_LIMITS,
  connectionsPerAddress: 1_000_000,
  roomsPerUser: 1_000_000,
  messagesPerSecond: 1_000_000,
  cpuMsPerSecond: 1000,
  maxBufferedBytes: 1024 * 1024 * 1024
}

const quietLog = { ...consoleLogger, info: () => {} }

/** A relay on a free port over `store` (left open when the relay closes), serving `staticDir` if given. */
export const benchRelay = (store: CountingStore, staticDir: string | null = null): Promise<Relay> =>
  startRelay({ store: store.forRelay(), port: 0, staticDir, limits: BENCH_LIMITS, idleUnloadMs: 60_000, log: quietLog })

/** The web app's network (one multiplexed socket) for `identity`, from Node. */
export const benchNetwork = (relay: Relay, identity: Identity, socket: typeof WebSocket = WebSocket): Network =>
  muxNetwork({ url: relay.wsUrl, identity, WebSocket: socket, maxBackoffMs: 300 })

/** Bytes a client puts on the wire: WebSocket frame payloads and their headers. */
export interface WireCounter {
  bytes: number
  frames: number
}

/**
 * The bytes of a client-to-server WebSocket frame's header (RFC 6455: 2 bytes, the extended
 * length, and the 4-byte mask every client frame carries).
 */
export const clientFrameHeader = (payload: number): number => 2 + (payload < 126 ? 0 : payload < 65_536 ? 2 : 8) + 4

/** The `ws` WebSocket, counting into `counter` every frame it sends. */
export const countingWebSocket = (counter: WireCounter): typeof WebSocket =>
  class CountingWebSocket extends WebSocket {
    override send (data: unknown, ...rest: unknown[]): void {
      const payload = data instanceof Uint8Array ? data.byteLength : data instanceof ArrayBuffer ? data.byteLength : String(data).length
      counter.bytes += payload + clientFrameHeader(payload)
      counter.frames += 1;
      (super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
