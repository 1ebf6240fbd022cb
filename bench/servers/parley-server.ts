// PARLEY: the relay under test (relay/server.ts) in memory, with its limits raised so that only its real costs throttle load.
import { consoleLogger } from '../../relay/log'
import { startRelay } from '../../relay/server'
import { MemoryStore } from '../../relay/storage/memory-store'
import { DEFAULT_LIMITS, LIMIT_SETTINGS, type RelayLimits } from '../../relay/limits/limits'
import { SEED_FILE_ENV, readStoreSeed } from '../lib/store-file'
import { announcePort } from './announce'

/**
 * NOTE: one generator process plays hundreds of users from one address at thousands of
 * messages per second; the defaults would (rightly) throttle it. Authentication, room access,
 * write judging and signatures all stay on. The relay's own variables (PARLEY_MESSAGES_PER_SECOND…) still win.
 */
const BENCH_LIMITS: Partial<RelayLimits> = {
  connectionsPerAddress: 1_000_000,
  connectionsPerUser: 1_000_000,
  pendingConnections: 1_000_000,
  pendingPerAddress: 1_000_000,
  roomsPerUser: 1_000_000,
  messagesPerSecond: 1_000_000,
  cpuMsPerSecond: 1000,
  relayCpuMsPerSecond: 1000,
  // A generator at full load may read a busy socket late; the byte cap stays.
  sendTimeoutMs: 3_600_000,
  // One connection makes every search of the search benchmark, one after another.
  searchesPerMinute: 1_000_000,
  searchBurst: 1_000_000
}

const limits: RelayLimits = { ...DEFAULT_LIMITS, ...BENCH_LIMITS }
for (const name of Object.keys(LIMIT_SETTINGS) as Array<keyof RelayLimits>) {
  const given = process.env[LIMIT_SETTINGS[name].env]
  if (given !== undefined) limits[name] = Number(given)
}

// Warnings and errors only: an info line per connection would cost the relay more than the benchmark's own work.
const log = { ...consoleLogger, info: () => {} }
// `BENCH_SEED_FILE`: a store seeded by the benchmark (bench/lib/store-file.ts), e.g. 100,000 people for the people index.
const seedFile = process.env[SEED_FILE_ENV]
const seed = seedFile ? await readStoreSeed(seedFile) : null
const store = new MemoryStore(seed?.rooms)
if (seed) await store.writeRecords(seed.records)
const relay = await startRelay({ store, port: Number(process.env.PORT ?? 0), staticDir: null, limits, log })
announcePort(relay.port)

// Exit (rather than die) on SIGTERM, so that profiles asked for with --cpu-prof (ServerOptions.nodeArgs) get written.
process.on('SIGTERM', () => process.exit(0))
