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
