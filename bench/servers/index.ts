// Starts each benchmarked server as its own process, pinned to a core, and stops it again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LISTENING } from './announce'
import { processCpuMs, processRssBytes } from './process-stats'
import { ServerOutput } from './server-output'

/** The systems that run as servers (the client-side 'naive' baseline has none). */
export type ServerSystem = 'parley' | 'floor' | 'stock' | 'hocuspocus'

export const SERVER_SYSTEMS: readonly ServerSystem[] = ['floor', 'stock', 'hocuspocus', 'parley']

export interface ServerOptions {
  /** The core the server is pinned to (taskset -c); default 1, the load generator keeping core 0. */
  core?: number
  /** Extra environment for the server process (e.g. PARLEY_MESSAGES_PER_SECOND). */
  env?: Record<string, string>
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/profiles'] (written when stop() ends it). */
  nodeArgs?: string[]
  /** How long it may take to listen (default 20 s; a relay seeded with 100,000 people reads them first). */
  startTimeoutMs?: number
}

export interface RunningServer {
  readonly system: ServerSystem
  /** ws://127.0.0.1:port, without a path: clients add their room (or /mux). */
  readonly wsUrl: string
  readonly pid: number
  /** The core it is pinned to, or null when taskset is missing. */
  readonly core: number | null
  /** CPU time (user + system) the process has used so far, in ms (10 ms resolution). */
  cpuMs(): Promise<number>
  /** Its resident memory now, in bytes. */
  rssBytes(): Promise<number>
  /** What it printed (stdout and stderr), for error messages: the last 20,000 characters. */
  output(): string
  /** The address of its inspector, when started with one (soak-heap.ts's INSPECTOR_ENV). */
  inspectorUrl(): string | null
  /** Kills it and waits until it has exited. */
  stop(): Promise<void>
}

const SCRIPTS: Record<ServerSystem, string> = {
  parley: 'parley-server.ts',
  floor: 'floor-server.ts',
  stock: 'stock-server.ts',
  hocuspocus: 'hocuspocus-server.ts'
}

const START_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 3000

/** Every server still running, killed when this process exits, however it exits. */
const running = new Set<ChildProcess>()
let exitHookInstalled = false

const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => { for (const child of running) child.kill('SIGKILL') })
}

/**
 * `BENCH_PROFILE_DIR=/tmp/profiles npm run bench -- --only fanout` writes a V8 CPU profile of
 * every server process into <dir>/<system>/ (open it in Chrome DevTools): how the relays'
 * figures were taken apart.
 */
const profilerArgs = (system: ServerSystem): string[] => {
  const dir = process.env.BENCH_PROFILE_DIR
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, system)}`] : []
}

let tasksetAvailable: boolean | null = null

/** Whether `taskset` can pin processes here. */
export const canPin = (): boolean => {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0
  return tasksetAvailable
}

/**
 * Starts `system`'s server: `taskset -c <core> node --import tsx <script>`, on a free port of
 * 127.0.0.1. Resolves once it listens; rejects (and kills it) if it does not within 20 s.
 */
export const startServer = async (system: ServerSystem, options: ServerOptions = {}): Promise<RunningServer> => {
  installExitHook()
  const core = canPin() ? options.core ?? 1 : null
  const script = fileURLToPath(new URL(SCRIPTS[system], import.meta.url))
  const node = [process.execPath, ...profilerArgs(system), ...(options.nodeArgs ?? []), '--import', 'tsx', script]
  // NOTE: taskset execs node, so the child's pid is the server's own (what /proc is read for).
  const [command, ...args] = core === null ? node : ['taskset', '-c', String(core), ...node]
  const child = spawn(command!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', ...options.env }
  })
  running.add(child)
  const exited = once(child, 'exit').then(() => { running.delete(child) })
  const output = new ServerOutput()
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  const keep = (chunk: string) => output.append(chunk)
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS
      const timer = setTimeout(() => reject(new Error(`${system} server did not start within ${startTimeoutMs / 1000} s:\n${output.text}`)), startTimeoutMs)
      const check = () => {
        const match = new RegExp(`${LISTENING}(\\d+)`).exec(output.text)
        if (!match) return
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
      child.stdout!.on('data', check)
      void exited.then(() => {
        clearTimeout(timer)
        reject(new Error(`${system} server exited before listening (code ${child.exitCode}):\n${output.text}`))
      })
    })
    const pid = child.pid!
    return {
      system,
      wsUrl: `ws://127.0.0.1:${port}`,
      pid,
      core,
      cpuMs: () => processCpuMs(pid),
      rssBytes: () => processRssBytes(pid),
      output: () => output.text,
      inspectorUrl: () => output.inspectorUrl,
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Starts several servers (one after another, so their start-up does not compete) and stops all of them if one fails. */
export const startServers = async (systems: readonly ServerSystem[], options: ServerOptions = {}): Promise<Map<ServerSystem, RunningServer>> => {
  const servers = new Map<ServerSystem, RunningServer>()
  try {
    for (const system of systems) servers.set(system, await startServer(system, options))
  } catch (error) {
    await stopServers(servers.values())
    throw error
  }
  return servers
}

export const stopServers = async (servers: Iterable<RunningServer>): Promise<void> => {
  await Promise.all([...servers].map(server => server.stop()))
}
