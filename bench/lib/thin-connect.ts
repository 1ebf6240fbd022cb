// One way to open a thin client of any system, and many of them at once.
import type { Identity } from '../../shared/identity'
import type { RunningServer, ServerSystem } from '../servers'
import type { ThinClient } from './thin-client'
import { HocuspocusThinClient } from './thin-hocuspocus'
import { ParleyThinClient } from './thin-parley'
import { YwsThinClient } from './thin-yws'

export interface ThinOptions {
  /** The room (document name). For Parley it must be a Parley room the identity may join. */
  room: string
  /** Parley only: who connects (required there). */
  identity?: Identity
}

/** Opens a thin client of `server` in `room`; await its `synced` before sending. */
export const connectThin = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, { room, identity }: ThinOptions): Promise<ThinClient> => {
  const system: ServerSystem = server.system
  switch (system) {
    case 'floor':
    case 'stock':
      return YwsThinClient.connect(system, server.wsUrl, room)
    case 'hocuspocus':
      return HocuspocusThinClient.connect(server.wsUrl, room)
    case 'parley':
      if (!identity) throw new Error('a Parley thin client needs an identity')
      return ParleyThinClient.connect(server.wsUrl, room, identity)
  }
}

/**
 * Opens `count` thin clients (`options(i)` for the i-th), at most `concurrency` handshakes at
 * a time, and waits until every one is synced. On any failure closes them all and throws.
 */
export const connectMany = async (
  server: Pick<RunningServer, 'system' | 'wsUrl'>,
  count: number,
  options: (index: number) => ThinOptions,
  { concurrency = 64, timeoutMs = 30_000 } = {}
): Promise<ThinClient[]> => {
  const clients: ThinClient[] = []
  let next = 0
  const deadline = Date.now() + timeoutMs
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      const client = await connectThin(server, options(index))
      clients[index] = client
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${server.system}: client ${index} not synced in time`)), Math.max(0, deadline - Date.now()))
      })
      try {
        await Promise.race([client.synced, timeout])
      } finally {
        clearTimeout(timer)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  } catch (error) {
    await closeAll(clients)
    throw error
  }
  return clients
}

export const closeAll = async (clients: Iterable<ThinClient | undefined>): Promise<void> => {
  await Promise.all([...clients].map(client => client?.close()))
}
