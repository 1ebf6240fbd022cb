// The relay as a separate process (node + tsx), for tests that kill it the hard way.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export interface RelayProcess {
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  readonly exited: Promise<unknown>
  kill(signal: NodeJS.Signals): void
  /** Stops it with SIGTERM if it is still running. */
  stop(): Promise<void>
  output(): string
}

const MAIN = fileURLToPath(new URL('../relay/main.ts', import.meta.url))

export const spawnRelay = async ({ dataDir, port = 0 }: { dataDir: string; port?: number }): Promise<RelayProcess> => {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port), '--data-dir', dataDir, '--static-dir', '/nonexistent'], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout!.on('data', chunk => { output += chunk })
  child.stderr!.on('data', chunk => { output += chunk })
  const exited = once(child, 'exit')
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${output}`)), 15_000)
    const check = () => {
      const match = /relay-listening url="([^"]+)"/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', check)
    exited.then(() => reject(new Error(`relay exited early:\n${output}`)), () => {})
  })
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    port: Number(new URL(url).port),
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    exited,
    kill: signal => { child.kill(signal) },
    stop: async () => {
      if (!running()) return
      child.kill('SIGTERM')
      await exited
    },
    output: () => output
  }
}
