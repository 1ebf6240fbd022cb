// What a relay holds, asked from outside: Parley's GET /healthz (rooms and connections in memory), and a sleep for settling between phases.
import type { RunningServer } from '../servers'

export interface ParleyHealth {
  /** Rooms the relay holds in memory. */
  rooms: number
  /** Of those, the rooms whose Y.Doc is in memory (the others rest: relay/rooms.ts). */
  documents: number
  connections: number
}

/**
 * NOTE: Node's fetch keeps the connection for the next request, and the relay closes an idle one
 * after 5 s: a request made just then fails ('fetch failed', the other side closed), as one did
 * after a 3 s download elsewhere in the benchmark. Such a failure is tried again, twice at most.
 */
const fetchRetrying = async (url: string): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url)
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }
}

/** Parley's /healthz; null for the other systems, which have no such endpoint. */
export const parleyHealth = async (server: Pick<RunningServer, 'system' | 'wsUrl'>): Promise<ParleyHealth | null> => {
  if (server.system !== 'parley') return null
  const response = await fetchRetrying(`${server.wsUrl.replace(/^ws/, 'http')}/healthz`)
  const body = await response.json() as { rooms?: unknown; documents?: unknown; connections?: unknown }
  if (typeof body.rooms !== 'number' || typeof body.documents !== 'number' || typeof body.connections !== 'number') {
    throw new Error(`unexpected /healthz answer: ${JSON.stringify(body)}`)
  }
  return { rooms: body.rooms, documents: body.documents, connections: body.connections }
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, Math.max(0, ms)))

/**
 * Waits until a Parley relay holds at most `rooms` rooms (other systems: at once). NOTE: Parley
 * unloads a room 5 s after its last peer left (relay/server.ts); publishing groups leaves their
 * index rooms and their members' own rooms (where the relay lists each group) loaded for that
 * long, and their unloading would otherwise fall into what is measured next.
 */
export const whenParleyRoomsAtMost = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, rooms: number, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const health = await parleyHealth(server)
    if (health === null || health.rooms <= rooms) return
    if (Date.now() > deadline) throw new Error(`the relay still holds ${health.rooms} rooms after ${timeoutMs} ms (waiting for at most ${rooms})`)
    await sleep(100)
  }
}

/** The relay's CPU time over `ms` of wall time, in ms per second. */
export const cpuRate = async (server: Pick<RunningServer, 'cpuMs'>, ms: number): Promise<number> => {
  const before = await server.cpuMs()
  const started = performance.now()
  await sleep(ms)
  const used = (await server.cpuMs()) - before
  return used / ((performance.now() - started) / 1000)
}
