// How busy one core was, from /proc/stat: what the machine's other processes took from the relays' core during a run.
import { readFile } from 'node:fs/promises'

/** /proc/stat counts in USER_HZ, 100 a second on Linux whatever the kernel's own tick. */
const MS_PER_TICK = 10

/** Milliseconds `core` has spent busy (anything but idle and waiting for I/O) since boot; null where /proc/stat is missing. */
export const coreBusyMs = async (core: number): Promise<number | null> => {
  let stat: string
  try {
    stat = await readFile('/proc/stat', 'utf8')
  } catch {
    return null
  }
  const line = stat.split('\n').find(row => row.startsWith(`cpu${core} `))
  if (!line) return null
  // user nice system idle iowait irq softirq steal …
  const ticks = line.trim().split(/\s+/).slice(1).map(Number)
  const total = ticks.slice(0, 8).reduce((sum, tick) => sum + tick, 0)
  return (total - ticks[3]! - ticks[4]!) * MS_PER_TICK
}
