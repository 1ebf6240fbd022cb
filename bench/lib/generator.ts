// The load generator's own side: pinning it to its core, and how busy it was (if it was saturated, a figure is its own, not the relay's).
import { spawnSync } from 'node:child_process'

/**
 * Pins this process (every thread) to `core` with taskset, returning what undoes it; a no-op
 * where taskset is missing or fails.
 */
export const pinGenerator = (core = 0): (() => void) => {
  const before = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' })
  const mask = /:\s*([0-9a-f]+)\s*$/i.exec(before.stdout ?? '')?.[1]
  if (before.status !== 0 || !mask) return () => {}
  if (spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)]).status !== 0) return () => {}
  return () => { spawnSync('taskset', ['-a', '-p', mask, String(process.pid)]) }
}

/** Starts measuring this process's CPU time; `stop()` gives it as a percentage of one core over the wall time since. */
export const cpuMeter = (): { stop(): number } => {
  const wallStart = performance.now()
  const cpuStart = process.cpuUsage()
  return {
    stop: () => {
      const { user, system } = process.cpuUsage(cpuStart)
      const wallMs = performance.now() - wallStart
      return wallMs > 0 ? ((user + system) / 1000 / wallMs) * 100 : 0
    }
  }
}
