// Relay configuration from the environment and matching command-line flags (flags win).
import { parseArgs } from 'node:util'

export interface RelayConfig {
  port: number
  host: string
  /** Where LevelDB keeps the rooms; null keeps them in memory only (--memory). */
  dataDir: string | null
  staticDir: string
  maxFrameBytes: number
  idleUnloadMs: number
}

export const USAGE = `Usage: parley-relay [options]

  --port N            PORT              port to listen on (default 1234)
  --host H            HOST              address to bind (default 127.0.0.1; 0.0.0.0 for all)
  --data-dir DIR      PARLEY_DATA_DIR   where rooms are stored (default ./data)
  --memory            PARLEY_MEMORY=1   keep rooms in memory only (nothing survives a restart)
  --static-dir DIR    PARLEY_STATIC_DIR the built web app to serve (default ./dist)
  --max-frame-bytes N PARLEY_MAX_FRAME_BYTES  largest WebSocket frame (default 4194304)
  --idle-unload-ms N  PARLEY_IDLE_UNLOAD_MS   unload a room this long after its last client (default 5000)
  --help`

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

export const parseConfig = (argv: string[], env: NodeJS.ProcessEnv): RelayConfig | 'help' => {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'static-dir': { type: 'string' },
      'max-frame-bytes': { type: 'string' },
      'idle-unload-ms': { type: 'string' },
      help: { type: 'boolean' }
    },
    strict: true
  })
  if (values.help) return 'help'
  const memory = values.memory ?? env.PARLEY_MEMORY === '1'
  return {
    port: integer('port', values.port ?? env.PORT ?? '1234', 0, 65535),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    dataDir: memory ? null : values['data-dir'] ?? env.PARLEY_DATA_DIR ?? 'data',
    staticDir: values['static-dir'] ?? env.PARLEY_STATIC_DIR ?? 'dist',
    maxFrameBytes: integer('max frame bytes', values['max-frame-bytes'] ?? env.PARLEY_MAX_FRAME_BYTES ?? '4194304', 1024, 256 * 1024 * 1024),
    idleUnloadMs: integer('idle unload ms', values['idle-unload-ms'] ?? env.PARLEY_IDLE_UNLOAD_MS ?? '5000', 0, 3_600_000)
  }
}
