// The caps that keep one connection, address or user from costing everyone else: defaults and their names.
import { DEFAULT_UPDATE_COST_LIMITS } from '../writes/update-cost'

export interface RelayLimits {
  /** Largest WebSocket frame, and so largest update; bigger closes the socket with 1009. */
  maxFrameBytes: number
  /** Longest message content the relay accepts (characters). */
  maxMessageLength: number
  /** Sustained sync and awareness messages per second per connection (bursts of 4× pass). */
  messagesPerSecond: number
  /** Time the relay may spend on one user's frames per second, over all their connections, sustained (bursts of 4× pass). */
  cpuMsPerSecond: number
  /** Time the relay spends on all users' frames per second while busy, shared equally among those using it (cpu-budgets.ts). */
  relayCpuMsPerSecond: number
  /** Open connections of one user, whatever their addresses. */
  connectionsPerUser: number
  /** Open connections from one IP address, counted from the moment they are accepted (so still in their handshake too). */
  connectionsPerAddress: number
  /** Connections whose first request has not fully arrived yet, from all addresses together. */
  pendingConnections: number
  /** Connections whose first request has not fully arrived yet, from one IP address. */
  pendingPerAddress: number
  /** A connection that sends nothing at all within this is closed. */
  firstByteTimeoutMs: number
  /** A request whose headers have not all arrived within this is answered 408 and closed (Node's headersTimeout). */
  headersTimeoutMs: number
  /** A request not wholly received within this is answered 408 and closed (Node's requestTimeout); at least headersTimeoutMs. */
  requestTimeoutMs: number
  /** Rooms one user may be in at once, over all their connections. */
  roomsPerUser: number
  /** Awareness client ids one connection may publish per room. */
  awarenessPerRoom: number
  /** A reader whose unsent data passes this is dropped (it can reconnect and catch up). */
  maxBufferedBytes: number
  /** A reader whose unsent data has not left within this is dropped likewise. */
  sendTimeoutMs: number
  /** A connection quiet this long is pinged. */
  pingIntervalMs: number
  /** A connection pinged and still quiet this long after is taken for gone and dropped. */
  pingTimeoutMs: number
  /** Updates held per membership while their dependencies have not arrived. */
  maxPendingUpdates: number
  /** A presence state not renewed within this is removed for everyone (y-protocols' 30 s outdatedTimeout). */
  presenceTimeoutMs: number
  /** Bytes (of JSON) one user may hold live in one room; writes past it are refused (over-quota). */
  maxBytesPerUserPerRoom: number
  /** Structs one update may hold; more are refused before Yjs reads them (too-many-structs). */
  maxStructsPerUpdate: number
  /** Bytes (of JSON) one user may hold live over all rooms; writes past it are refused (over-quota). */
  maxBytesPerUser: number
  /** Searches for people one user may make per minute over all their connections, sustained; more are refused (rate-limited). */
  searchesPerMinute: number
  /** Searches one user may make at once before searchesPerMinute applies. */
  searchBurst: number
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: 4 * 1024 * 1024,
  maxMessageLength: 4000,
  messagesPerSecond: 200,
  cpuMsPerSecond: 100,
  // NOTE: half of the one core the relay's event loop runs on: the other half stays for what no
  // user's frame pays for (broadcasts, storage, handshakes), so honest round trips stay short.
  relayCpuMsPerSecond: 500,
  connectionsPerAddress: 256,
  // NOTE: the app holds one (mux) socket per tab; the upstream provider one per room it has
  // open, which for a person reading a few dozen conversations is well under this.
  connectionsPerUser: 128,
  pendingConnections: 512,
  pendingPerAddress: 32,
  firstByteTimeoutMs: 5000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  roomsPerUser: 2000,
  awarenessPerRoom: 2,
  maxBufferedBytes: 16 * 1024 * 1024,
  sendTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 30_000,
  maxPendingUpdates: 64,
  presenceTimeoutMs: 30_000,
  // NOTE: a full bucket of one person's longest messages is about 10 MB; an admin's groups
  // at most 50 KB each. Room for both, while no one fills a room everyone downloads.
  maxBytesPerUserPerRoom: 16 * 1024 * 1024,
  maxStructsPerUpdate: DEFAULT_UPDATE_COST_LIMITS.maxStructs,
  // NOTE: years of a busy person's messages are ~100 MB; room for ten times that.
  maxBytesPerUser: 1024 * 1024 * 1024,
  // NOTE: a person typing a name searches a few times a word and pages through a few pages;
  // one a second, with 20 at once, serves that and keeps one person from reading out the list
  // of everyone faster than 3,000 profiles a minute.
  searchesPerMinute: 60,
  searchBurst: 20
}

/** Each limit's command-line flag and environment variable, for config.ts and the usage text. */
export const LIMIT_SETTINGS: Record<keyof RelayLimits, { flag: string; env: string; min: number; max: number }> = {
  maxFrameBytes: { flag: 'max-frame-bytes', env: 'PARLEY_MAX_FRAME_BYTES', min: 1024, max: 256 * 1024 * 1024 },
  maxMessageLength: { flag: 'max-message-length', env: 'PARLEY_MAX_MESSAGE_LENGTH', min: 1, max: 4000 },
  messagesPerSecond: { flag: 'messages-per-second', env: 'PARLEY_MESSAGES_PER_SECOND', min: 1, max: 1_000_000 },
  cpuMsPerSecond: { flag: 'cpu-ms-per-second', env: 'PARLEY_CPU_MS_PER_SECOND', min: 1, max: 1000 },
  relayCpuMsPerSecond: { flag: 'relay-cpu-ms-per-second', env: 'PARLEY_RELAY_CPU_MS_PER_SECOND', min: 1, max: 1000 },
  connectionsPerAddress: { flag: 'connections-per-address', env: 'PARLEY_CONNECTIONS_PER_ADDRESS', min: 1, max: 1_000_000 },
  connectionsPerUser: { flag: 'connections-per-user', env: 'PARLEY_CONNECTIONS_PER_USER', min: 1, max: 1_000_000 },
  // NOTE: half of the soft limit of 1,024 open files that many systems start a process with, so
  // that connections dawdling over their request can never take every descriptor; a relay run
  // with `ulimit -n` raised may raise this too.
  pendingConnections: { flag: 'pending-connections', env: 'PARLEY_PENDING_CONNECTIONS', min: 1, max: 1_000_000 },
  // NOTE: a browser opens at most 6 connections to a host at once; 32 leaves room for a few people
  // behind one address reconnecting together, and one address alone fills 1/16 of the default cap.
  pendingPerAddress: { flag: 'pending-per-address', env: 'PARLEY_PENDING_PER_ADDRESS', min: 1, max: 1_000_000 },
  firstByteTimeoutMs: { flag: 'first-byte-timeout-ms', env: 'PARLEY_FIRST_BYTE_TIMEOUT_MS', min: 100, max: 3_600_000 },
  headersTimeoutMs: { flag: 'headers-timeout-ms', env: 'PARLEY_HEADERS_TIMEOUT_MS', min: 100, max: 3_600_000 },
  requestTimeoutMs: { flag: 'request-timeout-ms', env: 'PARLEY_REQUEST_TIMEOUT_MS', min: 100, max: 3_600_000 },
  roomsPerUser: { flag: 'rooms-per-user', env: 'PARLEY_ROOMS_PER_USER', min: 1, max: 1_000_000 },
  awarenessPerRoom: { flag: 'awareness-per-room', env: 'PARLEY_AWARENESS_PER_ROOM', min: 1, max: 64 },
  maxBufferedBytes: { flag: 'max-buffered-bytes', env: 'PARLEY_MAX_BUFFERED_BYTES', min: 64 * 1024, max: 1024 * 1024 * 1024 },
  sendTimeoutMs: { flag: 'send-timeout-ms', env: 'PARLEY_SEND_TIMEOUT_MS', min: 100, max: 3600 * 1000 },
  pingIntervalMs: { flag: 'ping-interval-ms', env: 'PARLEY_PING_INTERVAL_MS', min: 100, max: 3600 * 1000 },
  pingTimeoutMs: { flag: 'ping-timeout-ms', env: 'PARLEY_PING_TIMEOUT_MS', min: 100, max: 3600 * 1000 },
  maxPendingUpdates: { flag: 'max-pending-updates', env: 'PARLEY_MAX_PENDING_UPDATES', min: 0, max: 10_000 },
  // NOTE: clients renew every 15 s; a timeout below that removes people who are online.
  presenceTimeoutMs: { flag: 'presence-timeout-ms', env: 'PARLEY_PRESENCE_TIMEOUT_MS', min: 100, max: 24 * 3600 * 1000 },
  maxBytesPerUserPerRoom: { flag: 'quota-bytes-per-room', env: 'PARLEY_QUOTA_BYTES_PER_ROOM', min: 1024, max: 1024 * 1024 * 1024 },
  // NOTE: raise it only to let clients send back rooms the relay lost (each of their updates then
  // holds a whole room's history of theirs); every struct costs ~20 µs the whole relay waits for.
  maxStructsPerUpdate: { flag: 'max-structs-per-update', env: 'PARLEY_MAX_STRUCTS_PER_UPDATE', min: 100, max: 1_000_000 },
  maxBytesPerUser: { flag: 'quota-bytes-per-user', env: 'PARLEY_QUOTA_BYTES_PER_USER', min: 1024, max: 2 ** 50 },
  searchesPerMinute: { flag: 'searches-per-minute', env: 'PARLEY_SEARCHES_PER_MINUTE', min: 1, max: 1_000_000 },
  searchBurst: { flag: 'search-burst', env: 'PARLEY_SEARCH_BURST', min: 1, max: 1_000_000 }
}
