// Many small groups connected in tranches, each member on its own socket with presence renewed: what `many-groups` measures memory and CPU on.
import type { Identity } from '../../shared/identity'
import type { RunningServer, ServerSystem } from '../servers'
import type { GroupPlan } from './presence-groups'
import { startRenewals, type Renewals } from './presence-renewals'
import { PresenceState } from './presence-wire'
import { readHeap, type HeapReading } from './soak-heap'
import { sleep } from './soak-health'
import type { ThinClient } from './thin-client'
import { closeAll, connectMany } from './thin-connect'
import { groupBucketRoom } from './thin-parley-setup'

/** One system's relay and everything connected to it. */
export interface Lane {
  system: ServerSystem
  server: RunningServer
  /** Per group, its members' clients in member order (filled as tranches connect). */
  members: ThinClient[][]
  renewals: Renewals[]
  all: ThinClient[]
  /** Memory before the first tranche, and the members connected since. */
  start: HeapReading | null
  connected: number
}

/** Connects `targets` and publishes a presence state for each, renewed every 15 s from then on. */
export const connectWithPresence = async (lane: Lane, targets: ReadonlyArray<{ room: string; identity: Identity }>): Promise<ThinClient[]> => {
  const clients = await connectMany(lane.server, targets.length, index => targets[index]!, { concurrency: 64, timeoutMs: 120_000 })
  lane.all.push(...clients)
  const presence = clients.map((_, index) => new PresenceState({ user_id: targets[index]!.identity.user_id }))
  clients.forEach((client, index) => client.sendAwareness(presence[index]!.next()))
  lane.renewals.push(startRenewals(clients.length, index => clients[index]!.sendAwareness(presence[index]!.next())))
  return clients
}

export interface TrancheResult {
  /** JS heap (after GC) before the tranche, after its first members, after all. */
  heapBase: number
  heapFirst: number
  heapAll: number
  cpuMs: number
  connections: number
  groups: number
  /** Since the first tranche: RSS and heap growth, and connections. */
  rssGrowth: number
  heapGrowth: number
  connected: number
}

/**
 * Connects groups [from, to) on one lane: first one member of each (every room gets loaded),
 * then the others (rooms already loaded), reading the relay's RSS before, between and after.
 */
export const connectTranche = async (lane: Lane, groups: readonly GroupPlan[], from: number, to: number, settleMs: number): Promise<TrancheResult> => {
  const { server } = lane
  const roomOf = (g: number) => groupBucketRoom(groups[g]!.group_id)
  const indexes = Array.from({ length: to - from }, (_, i) => from + i)
  const base = await readHeap(server)
  lane.start ??= base
  const cpuBefore = await server.cpuMs()
  const first = await connectWithPresence(lane, indexes.map(g => ({ room: roomOf(g), identity: groups[g]!.members[0]! })))
  indexes.forEach((g, i) => { lane.members[g] = [first[i]!] })
  await sleep(settleMs)
  const { usedBytes: heapFirst } = await readHeap(server)
  const others = indexes.flatMap(g => groups[g]!.members.slice(1).map(identity => ({ g, room: roomOf(g), identity })))
  const rest = await connectWithPresence(lane, others)
  others.forEach(({ g }, i) => lane.members[g]!.push(rest[i]!))
  const cpuMs = (await server.cpuMs()) - cpuBefore
  await sleep(settleMs)
  const all = await readHeap(server)
  lane.connected += first.length + rest.length
  return {
    heapBase: base.usedBytes,
    heapFirst,
    heapAll: all.usedBytes,
    cpuMs,
    connections: first.length + rest.length,
    groups: indexes.length,
    rssGrowth: all.rssBytes - lane.start.rssBytes,
    heapGrowth: all.usedBytes - lane.start.usedBytes,
    connected: lane.connected
  }
}

export const closeLane = async (lane: Lane): Promise<void> => {
  for (const renewals of lane.renewals) renewals.stop()
  // Stopped first: closing thousands of sockets one handshake at a time takes longer than killing the relay.
  await lane.server.stop()
  await closeAll(lane.all)
}
