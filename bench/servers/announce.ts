// How a benchmark server tells its launcher where it listens: one line on stdout.

/** The line prefix the launcher (bench/servers/index.ts) waits for. */
export const LISTENING = 'bench-server-listening port='

export const announcePort = (port: number): void => { process.stdout.write(`${LISTENING}${port}\n`) }
