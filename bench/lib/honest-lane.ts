// A Parley relay with an honest group on it for the hostile workload: the server, the group's two members connected (again, if the relay dropped them), and their messages.
import type { Identity } from '../../shared/identity'
import { BUCKET_CAPACITY } from '../../shared/protocol'
import { startServer, type RunningServer } from '../servers'
import { honestEchoes, type EchoRun } from './honest-echoes'
import type { ThinClient } from './thin-client'
import { closeAll, connectMany } from './thin-connect'
import { GroupAdmin } from './thin-parley-setup'
import { MessageWriter, reserveSeqs, type PreparedMessage } from './thin-messages'
import { openThinRoom, type ThinRoom } from './thin-room'

export interface HonestRun extends EchoRun {
  /** Why the relay closed honest sockets during the run ('code reason' each). */
  dropped: string[]
}

export interface HonestLane {
  readonly server: RunningServer
  /**
   * The sender's next `count` signed messages, to be sent in order. NOTE: from the Yjs client id
   * of the messages before, unless some of those never reached the relay (a socket it closed):
   * then from a new one, as a reloaded page writes, so that nothing waits for what is lost. Not
   * one per run: the relay lets a user bring only 16 new client ids into a room at once.
   */
  prepare(count: number): Promise<PreparedMessage[]>
  /** Reconnects members the relay dropped, then sends `message` and waits for its echo: the room is awake and the path warm. */
  ready(message: PreparedMessage): Promise<void>
  /** Sends `messages` at `rate` a second and times their echoes (honest-echoes.ts). */
  echoes(messages: readonly PreparedMessage[], rate: number, drainMs: number): Promise<HonestRun>
  close(): Promise<void>
}

export interface HonestLaneOptions {
  /** The group's admin (the sender) and one other member. */
  members: readonly [Identity, Identity]
  core: number
  env: Record<string, string>
}

/** Attempts at a group before giving up. */
const GROUP_ATTEMPTS = 3
const READY_DRAIN_MS = 20_000

/**
 * A fresh group of `members` and its bucket room with both connected. NOTE: again with a new
 * group if the relay refuses the room: on a loaded machine the admin's write of the group into
 * its index room can reach the relay after the relay's 3 s of grace.
 */
const openRoom = async (server: RunningServer, admin: GroupAdmin, members: readonly [Identity, Identity]): Promise<ThinRoom> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openThinRoom(server, { members: 2, identities: members, admin })
    } catch (error) {
      if (attempt >= GROUP_ATTEMPTS) throw error
    }
  }
}

/** Starts a Parley server and a group of two on it. */
export const openHonestLane = async ({ members, core, env }: HonestLaneOptions): Promise<HonestLane> => {
  const server = await startServer('parley', { core, env })
  let admin: GroupAdmin | null = null
  let room: ThinRoom | null = null
  try {
    admin = await GroupAdmin.open(server.wsUrl, members[0])
    room = await openRoom(server, admin, members)
  } catch (error) {
    await room?.close().catch(() => {})
    await admin?.close().catch(() => {})
    await server.stop()
    throw error
  }
  let { group_id, room: roomName } = room
  const openedAdmin = admin
  /** Messages prepared for the current group's bucket 0. */
  let written = 0
  let clients: ThinClient[] = []
  const openClients = new Set<ThinClient>()
  const dropped: string[] = []
  let closing = false
  const watch = (connected: ThinClient[]): void => {
    clients = connected
    for (const client of connected) {
      openClients.add(client)
      void client.closed.then(({ code, reason }) => {
        if (openClients.delete(client) && !closing) dropped.push(`${code} ${reason}`)
      })
    }
  }
  watch(room.clients)
  const reconnect = async (): Promise<void> => {
    if (clients.every(client => openClients.has(client))) return
    closing = true
    await closeAll(clients)
    closing = false
    watch(await connectMany(server, members.length, index => ({ room: roomName, identity: members[index] })))
  }
  let writer: MessageWriter | null = null
  /** Whether messages of the current writer may have been lost. */
  let lost = false
  const echoes = async (messages: readonly PreparedMessage[], intervalMs: number, drainMs: number): Promise<HonestRun> => {
    const droppedBefore = dropped.length
    const run = await honestEchoes(clients[0]!, messages, intervalMs, drainMs)
    const closed = dropped.slice(droppedBefore)
    if (run.echoed < run.sent || closed.length > 0) lost = true
    return { ...run, dropped: closed }
  }
  const lane: HonestLane = {
    server,
    prepare: async count => {
      // NOTE: as a client starts a new bucket once one holds BUCKET_CAPACITY messages (the relay
      // refuses ids past twice that), the lane starts a new group.
      if (written + count > BUCKET_CAPACITY) {
        closing = true
        await closeAll(clients)
        closing = false
        const next = await openRoom(server, openedAdmin, members)
        ;({ group_id, room: roomName } = next)
        watch(next.clients)
        writer?.destroy()
        writer = null
        written = 0
      }
      written += count
      if (lost) {
        writer?.destroy()
        writer = null
        lost = false
      }
      writer ??= new MessageWriter([members[0]], group_id)
      return writer.writeMany(reserveSeqs(count), count)
    },
    ready: async message => {
      await reconnect()
      await echoes([message], 1, READY_DRAIN_MS)
    },
    echoes: (messages, rate, drainMs) => echoes(messages, 1000 / rate, drainMs),
    close: async () => {
      closing = true
      writer?.destroy()
      try {
        await closeAll(clients)
        await openedAdmin.close()
      } finally {
        await server.stop()
      }
    }
  }
  return lane
}
