// How often this machine stops a process that never waits: a busy loop pinned to a core, timing the gaps between its clock readings.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { canPin } from '../servers'

const run = promisify(execFile)
const BUSY_LOOP = fileURLToPath(new URL('busy-loop.mjs', import.meta.url))

/** Gaps below this are the loop's own work (a clock reading takes ~50 ns here), not a pause. */
export const MIN_PAUSE_MS = 0.1

export interface PauseRecord {
  /** How long the loop ran. */
  windowMs: number
  /** Every gap of at least MIN_PAUSE_MS between two clock readings, in order. */
  pausesMs: number[]
}

export interface PauseSummary {
  /** Pauses of at least `atLeastMs` per second of the loop. */
  perSecond: number
  /** The longest pause, 0 when there was none. */
  longestMs: number
  /** Share of the window lost to pauses of any length (≥ MIN_PAUSE_MS), in %. */
  lostPercent: number
}

export const summarizePauses = ({ windowMs, pausesMs }: PauseRecord, atLeastMs: number): PauseSummary => {
  if (windowMs <= 0) throw new RangeError('a pause record needs a window longer than 0 ms')
  const lost = pausesMs.reduce((sum, pause) => sum + pause, 0)
  return {
    perSecond: pausesMs.filter(pause => pause >= atLeastMs).length / (windowMs / 1000),
    longestMs: pausesMs.reduce((longest, pause) => Math.max(longest, pause), 0),
    lostPercent: (100 * lost) / windowMs
  }
}

/**
 * Spins a busy loop on `core` (taskset; unpinned where taskset is missing) for `windowMs` and
 * records its pauses. NOTE: a separate process, so that nothing of the generator's own (its
 * timers, its garbage collector) counts as the machine's.
 */
export const recordPauses = async (core: number, windowMs: number): Promise<PauseRecord> => {
  const node = [process.execPath, BUSY_LOOP, String(windowMs), String(MIN_PAUSE_MS)]
  const [command, ...args] = canPin() ? ['taskset', '-c', String(core), ...node] : node
  const { stdout } = await run(command!, args, { timeout: windowMs + 10_000 })
  const record = JSON.parse(stdout) as PauseRecord
  if (typeof record.windowMs !== 'number' || !Array.isArray(record.pausesMs)) throw new Error(`the busy loop printed no pause record: ${stdout.slice(0, 200)}`)
  return record
}
