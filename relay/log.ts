// The relay's log: one line per event, machine-greppable, quiet in tests.

export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface Logger {
  info(event: string, fields?: LogFields): void
  warn(event: string, fields?: LogFields): void
  error(event: string, fields?: LogFields): void
}

const format = (level: string, event: string, fields: LogFields = {}): string =>
  [new Date().toISOString(), level, event, ...Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)].join(' ')

export const consoleLogger: Logger = {
  info: (event, fields) => console.log(format('info', event, fields)),
  warn: (event, fields) => console.warn(format('warn', event, fields)),
  error: (event, fields) => console.error(format('error', event, fields))
}

/** Keeps lines in memory, so tests can assert what the relay said. */
export const memoryLogger = (): Logger & { lines: string[] } => {
  const lines: string[] = []
  return {
    lines,
    info: (event, fields) => { lines.push(format('info', event, fields)) },
    warn: (event, fields) => { lines.push(format('warn', event, fields)) },
    error: (event, fields) => { lines.push(format('error', event, fields)) }
  }
}

/**
 * Logs the first of a kind of event (an event name and its `reason`), then at most one line per
 * `intervalMs` with how many happened since the last line: for refusals anyone can repeat at will,
 * which would otherwise fill the log as fast as they are made.
 */
export class SparingLog {
  private readonly lastLine = new Map<string, { at: number; since: number }>()

  constructor (private readonly log: Logger, private readonly intervalMs = 60_000) {}

  warn (event: string, fields: LogFields & { reason: string }, now = Date.now()): void {
    const key = `${event}\u0000${fields.reason}`
    const last = this.lastLine.get(key)
    if (last && now - last.at < this.intervalMs) {
      last.since += 1
      return
    }
    this.log.warn(event, last ? { ...fields, repeated: last.since + 1, sinceMs: now - last.at } : fields)
    this.lastLine.set(key, { at: now, since: 0 })
  }
}
