// The relay's command line: read the configuration, open the store, serve, and stop cleanly on a signal.
import { parseConfig, USAGE, ConfigError } from './config'
import { consoleLogger } from './log'
import { startRelay } from './server'
import { LeveldbStore } from './storage/leveldb-store'
import { MemoryStore } from './storage/memory-store'
import { StorageError, type RoomStore } from './storage/store'
import { Admissions } from './auth/admissions'
import type { AccessMode } from './auth/authenticate'
import { loadInviteSecret } from './auth/invite-secret'
import { createInvite } from './auth/invites'

const DAY_MS = 24 * 60 * 60 * 1000

const accessMode = async (config: { inviteOnly: boolean; inviteSecret: string | null; dataDir: string | null }, store: RoomStore): Promise<AccessMode> => {
  if (!config.inviteOnly) return { mode: 'open' }
  const secret = await loadInviteSecret(config.inviteSecret, config.dataDir)
  if (config.dataDir === null && config.inviteSecret === null) {
    // Nobody else can make an invitation for a secret that lives only in this process.
    consoleLogger.info('invitation', { code: createInvite(secret, Date.now() + 7 * DAY_MS), valid: '7 days' })
  }
  return { mode: 'invite-only', secret, admissions: await Admissions.open(store) }
}

const main = async (): Promise<void> => {
  let config
  try {
    config = parseConfig(process.argv.slice(2), process.env)
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (config === 'help') {
    console.log(USAGE)
    return
  }
  const store = config.dataDir === null ? new MemoryStore() : await LeveldbStore.open(config.dataDir)
  const relay = await startRelay({ ...config, store, access: await accessMode(config, store) })
  consoleLogger.info('relay-listening', {
    url: relay.url,
    hosts: relay.hosts.join(' '),
    data: config.dataDir ?? 'memory (nothing survives a restart)',
    app: config.staticDir,
    access: config.inviteOnly ? 'invite-only' : 'open'
  })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    consoleLogger.info('relay-stopping', { signal })
    relay.close().then(() => process.exit(0), error => {
      consoleLogger.error('relay-stop-failed', { error: (error as Error).message })
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch(error => {
  // A configuration or a data directory the relay cannot work with: the explanation is the message, not the stack.
  const message = error instanceof ConfigError || error instanceof StorageError ? error.message : (error as Error).stack ?? String(error)
  consoleLogger.error('relay-failed', { error: message })
  process.exit(1)
})
