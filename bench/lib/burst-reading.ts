// Which members of a large room the generator times as they read, and reading the others in turns, in bursts.
import type { ThinClient } from './thin-client'

/**
 * `count` member indices of `members`, evenly spread from the first to the last (all of them
 * when there are no more than `count`). Spread, because a relay writes to a room's sockets in
 * turn: the first member hears a message before the last one.
 */
export const timedMembers = (members: number, count: number): Set<number> => {
  if (members <= count) return new Set(Array.from({ length: members }, (_, i) => i))
  if (count <= 1) return new Set([members - 1])
  const stride = (members - 1) / (count - 1)
  return new Set(Array.from({ length: count }, (_, k) => Math.round(k * stride)))
}

/**
 * Reads each of `clients` once every `periodMs`, a few at a time every `tickMs`, and leaves
 * them not reading in between. Returns what stops the turns and lets every client read live again.
 */
export const readInTurns = (clients: readonly ThinClient[], periodMs: number, tickMs: number): (() => void) => {
  if (clients.length === 0) return () => {}
  for (const client of clients) client.readInBursts()
  const perTick = Math.max(1, Math.ceil((clients.length * tickMs) / periodMs))
  let next = 0
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      clients[next]!.readBurst()
      next = (next + 1) % clients.length
    }
  }, tickMs)
  return () => {
    clearInterval(timer)
    for (const client of clients) client.readLive()
  }
}
