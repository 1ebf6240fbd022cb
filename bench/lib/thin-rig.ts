// Everything a server-side workload starts once: the generator pinned to core 0, each system's server on core 1, identities, Parley's group admin.
import type { Identity } from '../../shared/identity'
import { SERVER_SYSTEMS, startServer, stopServers, type RunningServer, type ServerSystem } from '../servers'
import { pinGenerator } from './generator'
import { GroupAdmin, createIdentities } from './thin-parley-setup'
import { reserveSeqs } from './thin-messages'
import { pingPong, preparePingPong } from './thin-ping-pong'
import { openThinRoom, type ThinRoom } from './thin-room'

export interface Rig {
  /** The servers that started; a system missing here failed to start (see `failures`). */
  readonly servers: Map<ServerSystem, RunningServer>
  readonly failures: Map<ServerSystem, string>
  /** Identities for members; the first is Parley's group admin. */
  readonly identities: readonly Identity[]
  /** Parley's full client that creates groups (null when Parley did not start). */
  readonly admin: GroupAdmin | null
  /** Stops every server and the admin and unpins the generator. Always call it (try/finally). */
  close(): Promise<void>
}

export const GENERATOR_CORE = 0
export const SERVER_CORE = 1

/**
 * Pins this process to core 0, starts each system's server pinned to core 1 (one at a time),
 * makes `identities` identities and opens Parley's admin. A server that fails to start is
 * reported in `failures` (its rows become "not run"), not thrown.
 */
export const openRig = async ({ systems = SERVER_SYSTEMS, identities = 2, warmUpMs = 0 }: { systems?: readonly ServerSystem[]; identities?: number; warmUpMs?: number } = {}): Promise<Rig> => {
  const unpin = pinGenerator(GENERATOR_CORE)
  const servers = new Map<ServerSystem, RunningServer>()
  const failures = new Map<ServerSystem, string>()
  let admin: GroupAdmin | null = null
  const close = async (): Promise<void> => {
    try {
      await admin?.close()
    } finally {
      await stopServers(servers.values())
      unpin()
    }
  }
  try {
    for (const system of systems) {
      try {
        servers.set(system, await startServer(system, { core: SERVER_CORE }))
      } catch (error) {
        failures.set(system, `server did not start: ${(error as Error).message.split('\n')[0]}`)
      }
    }
    const made = await createIdentities(identities)
    const parley = servers.get('parley')
    if (parley) admin = await GroupAdmin.open(parley.wsUrl, made[0])
    if (warmUpMs > 0) await warmUp(servers, made, admin, warmUpMs)
    return { servers, failures, identities: made, admin, close }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * Runs messages through each server for `ms` (two members, 32 in flight), so that its code is
 * compiled and its caches filled before anything is measured: a fresh Node process runs its
 * first thousands of messages in the interpreter.
 */
const warmUp = async (servers: Map<ServerSystem, RunningServer>, identities: readonly Identity[], admin: GroupAdmin | null, ms: number): Promise<void> => {
  const count = 1500
  let group_id: string | undefined
  let prepared: Awaited<ReturnType<typeof preparePingPong>> | null = null
  // Parley first: its group's id then names the room on every server, so the same messages fit all.
  const ordered = [...servers.values()].sort((a, b) => Number(b.system === 'parley') - Number(a.system === 'parley'))
  for (const server of ordered) {
    let room: ThinRoom | null = null
    try {
      room = await openThinRoom(server, { members: 2, identities, admin: admin ?? undefined, group_id })
      group_id ??= room.group_id
      prepared ??= await preparePingPong(identities, group_id, reserveSeqs(count), count)
      const [a, b] = room.clients
      await pingPong(server, a!, b!, prepared.pings, prepared.pongs, 32, ms)
    } finally {
      await room?.close()
    }
  }
}
