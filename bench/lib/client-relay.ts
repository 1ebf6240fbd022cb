// The Parley relay in-process for the client benchmarks, over a store that counts the bytes it keeps and writes.
import WebSocket from 'ws'
import { consoleLogger } from '../../relay/log'
import { startRelay, type Relay } from '../../relay/server'
import { MemoryStore } from '../../relay/storage/memory-store'
import type { RoomStore } from '../../relay/storage/store'
import { DEFAULT_LIMITS, type RelayLimits } from '../../relay/limits/limits'
import type { Identity } from '../../shared/identity'
import { muxNetwork } from '../../client/network/mux-network'
import type { Network } from '../../client/transport'

/**
 * The relay's MemoryStore, counting what is handed to it: every append, and the collected state
 * each compaction writes. The values it keeps are the ones LeveldbStore keeps under its keys, so its
 * figures hold for both. NOTE: a wrapper, so that the relay's store carries nothing for measuring.
 */
export class CountingStore implements RoomStore {
  /** Bytes handed to the store. */
  written = 0
  appends = 0
  private readonly memory: MemoryStore

  constructor (seed?: ReadonlyMap<string, Uint8Array>) {
    this.memory = new MemoryStore(seed)
  }

  load (room: string): Promise<readonly Uint8Array[]> { return this.memory.load(room) }

  async append (room: string, update: Uint8Array): Promise<void> {
    await this.memory.append(room, update)
    this.written += update.byteLength
    this.appends += 1
  }

  /** Compacts the room; the update a compaction stores in place of others is the room's first one after it, a new one. */
  async compact (room: string): Promise<void> {
    const [first] = await this.memory.load(room)
    await this.memory.compact(room)
    const [compacted] = await this.memory.load(room)
    if (compacted !== undefined && compacted !== first) this.written += compacted.byteLength
  }

  readRecords (prefix: string): Promise<ReadonlyMap<string, Uint8Array>> { return this.memory.readRecords(prefix) }

  writeRecords (records: ReadonlyMap<string, Uint8Array | null>): Promise<void> { return this.memory.writeRecords(records) }

  close (): Promise<void> { return this.memory.close() }

  /**
   * This store for one relay: closing the relay leaves it open. NOTE: so that one seeded store
   * serves a fresh relay per repetition.
   */
  forRelay (): RoomStore {
    return {
      load: room => this.load(room),
      append: (room, update) => this.append(room, update),
      compact: room => this.compact(room),
      readRecords: prefix => this.readRecords(prefix),
      writeRecords: records => this.writeRecords(records),
      close: async () => {}
    }
  }

  /** Bytes stored for the rooms `which` selects. */
  bytes (which?: (room: string) => boolean): number { return this.memory.storedBytes(which) }

  roomNames (): string[] { return this.memory.roomNames() }
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
  connectionsPerUser: 1_000_000,
  pendingConnections: 1_000_000,
  pendingPerAddress: 1_000_000,
  roomsPerUser: 1_000_000,
  messagesPerSecond: 1_000_000,
  cpuMsPerSecond: 1000,
  relayCpuMsPerSecond: 1000,
  maxBufferedBytes: 1024 * 1024 * 1024,
  sendTimeoutMs: 3_600_000
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
