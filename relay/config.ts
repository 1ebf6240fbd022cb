// Relay configuration from the environment and matching command-line flags (flags win).
import { parseArgs } from 'node:util'
import { DEFAULT_LIMITS, LIMIT_SETTINGS, type RelayLimits } from './limits/limits'
import { parsePublicUrl, requirePublicUrl, RelayAddressError } from './auth/relay-address'
import { PEOPLE_MODES, type PeopleMode } from '../shared/protocol'

export interface RelayConfig {
  port: number
  host: string
  /** The addresses people reach the relay by (https://chat.example.org); none: loopback names only. */
  publicUrls: string[]
  /** Where LevelDB keeps the rooms; null keeps them in memory only (--memory). */
  dataDir: string | null
  staticDir: string
  idleUnloadMs: number
  /** How long a room's document is kept in memory after its last sync or write (its peers may stay). */
  docRestMs: number
  /** Only admitted users and holders of an invitation may connect. */
  inviteOnly: boolean
  /** The secret that seals invitations (base64url); null: kept in the data directory. */
  inviteSecret: string | null
  /** Whom searches find: everyone (also listed page by page), by name only (search), or nobody (off). */
  people: PeopleMode
  limits: RelayLimits
}

const limitLines = (Object.keys(LIMIT_SETTINGS) as Array<keyof RelayLimits>).map(name => {
  const { flag, env } = LIMIT_SETTINGS[name]
  return `  --${`${flag} N`.padEnd(26)} ${env} (default ${DEFAULT_LIMITS[name]})`
}).join('\n')

export const USAGE = `Usage: parley-relay [options]

  --port N            PORT              port to listen on (default 1234)
  --host H            HOST              address to bind (default 127.0.0.1; 0.0.0.0 for all, which needs --public-url)
  --public-url URL    PARLEY_PUBLIC_URL the address people reach the relay by, e.g. https://chat.example.org
                                        (repeat, or separate with commas, for several); connect tokens must
                                        name one of them. Default: localhost, 127.0.0.1 and [::1] at --port,
                                        for a relay bound to a loopback address only
  --data-dir DIR      PARLEY_DATA_DIR   where rooms are stored (default ./data)
  --memory            PARLEY_MEMORY=1   keep rooms in memory only (nothing survives a restart)
  --static-dir DIR    PARLEY_STATIC_DIR the built web app to serve (default ./dist)
  --idle-unload-ms N  PARLEY_IDLE_UNLOAD_MS   unload a room this long after its last client (default 5000)
  --doc-rest-ms N     PARLEY_DOC_REST_MS      drop a room's document from memory this long after its last
                                              write or sync, even with clients connected (default 10000)
  --invite-only       PARLEY_INVITE_ONLY=1    only admitted people and invitation holders may connect
                      PARLEY_INVITE_SECRET    secret sealing invitations (default: kept in the data directory)
  --people MODE       PARLEY_PEOPLE           whom searches find: everyone (default; the whole list too, page
                                              by page), search (by name only) or off (nobody: people are
                                              reached by their id)
  --help

Limits (see docs/trust.md):
${limitLines}`

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const integer = (name: string, text: string, min: number, max: number): number => {
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${text}"`)
  }
  return value
}

/** Each address of `--public-url` flags (or else PARLEY_PUBLIC_URL), which may hold several separated by commas. */
const publicUrlsOf = (flags: string[] | undefined, variable: string | undefined): string[] => {
  const [source, given] = flags !== undefined ? ['--public-url', flags] : ['PARLEY_PUBLIC_URL', variable ? [variable] : []]
  return given.flatMap(text => text.split(',')).map(text => {
    try {
      return parsePublicUrl(text)
    } catch (error) {
      throw error instanceof RelayAddressError ? new ConfigError(`${source} ${error.message}`) : error
    }
  })
}

const isPeopleMode = (text: string): text is PeopleMode => (PEOPLE_MODES as readonly string[]).includes(text)

const limitOptions = Object.fromEntries(Object.values(LIMIT_SETTINGS).map(({ flag }) => [flag, { type: 'string' as const }]))

export const parseConfig = (argv: string[], env: NodeJS.ProcessEnv): RelayConfig | 'help' => {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'static-dir': { type: 'string' },
      'idle-unload-ms': { type: 'string' },
      'doc-rest-ms': { type: 'string' },
      'invite-only': { type: 'boolean' },
      people: { type: 'string' },
      help: { type: 'boolean' },
      ...limitOptions
    },
    strict: true
  })
  if (values.help) return 'help'
  const memory = values.memory ?? env.PARLEY_MEMORY === '1'
  const text = (flag: string): string | undefined => (values as Record<string, string | boolean | undefined>)[flag] as string | undefined
  const limits = { ...DEFAULT_LIMITS }
  for (const name of Object.keys(LIMIT_SETTINGS) as Array<keyof RelayLimits>) {
    const { flag, env: variable, min, max } = LIMIT_SETTINGS[name]
    const given = text(flag) ?? env[variable]
    if (given !== undefined) limits[name] = integer(flag.replaceAll('-', ' '), given, min, max)
  }
  if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
    throw new ConfigError(`request timeout ms (${limits.requestTimeoutMs}) must be at least headers timeout ms (${limits.headersTimeoutMs}): a request's headers are part of it`)
  }
  const inviteSecret = env.PARLEY_INVITE_SECRET ?? null
  if (inviteSecret !== null && !/^[A-Za-z0-9_-]{43,}$/.test(inviteSecret)) {
    throw new ConfigError('PARLEY_INVITE_SECRET must be at least 32 bytes in base64url (43 characters or more)')
  }
  const people = values.people ?? env.PARLEY_PEOPLE ?? 'everyone'
  if (!isPeopleMode(people)) throw new ConfigError(`people must be one of ${PEOPLE_MODES.join(', ')}, not "${people}"`)
  const host = values.host ?? env.HOST ?? '127.0.0.1'
  const publicUrls = [...new Set(publicUrlsOf(values['public-url'], env.PARLEY_PUBLIC_URL))]
  try {
    requirePublicUrl(host, publicUrls, 'set --public-url (PARLEY_PUBLIC_URL)')
  } catch (error) {
    throw error instanceof RelayAddressError ? new ConfigError(error.message) : error
  }
  return {
    port: integer('port', values.port ?? env.PORT ?? '1234', 0, 65535),
    host,
    publicUrls,
    dataDir: memory ? null : values['data-dir'] ?? env.PARLEY_DATA_DIR ?? 'data',
    staticDir: values['static-dir'] ?? env.PARLEY_STATIC_DIR ?? 'dist',
    idleUnloadMs: integer('idle unload ms', values['idle-unload-ms'] ?? env.PARLEY_IDLE_UNLOAD_MS ?? '5000', 0, 3_600_000),
    docRestMs: integer('doc rest ms', values['doc-rest-ms'] ?? env.PARLEY_DOC_REST_MS ?? '10000', 100, 3_600_000),
    inviteOnly: values['invite-only'] ?? env.PARLEY_INVITE_ONLY === '1',
    inviteSecret,
    people,
    limits
  }
}
