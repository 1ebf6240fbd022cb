// A room of thin clients on one server, ready to carry valid messages: for Parley a real group whose members are the clients.
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import type { RunningServer } from '../servers'
import type { ThinClient } from './thin-client'
import { closeAll, connectMany } from './thin-connect'
import { groupBucketRoom, type GroupAdmin } from './thin-parley-setup'

export interface ThinRoom {
  readonly server: RunningServer
  /** The group the room's messages belong to (a real one on Parley; a random id elsewhere). */
  readonly group_id: string
  /** Bucket 0 of that group: the room name on every system. */
  readonly room: string
  /** One client per member; client i is `identities[i]`. */
  readonly clients: ThinClient[]
  readonly identities: readonly Identity[]
  close(): Promise<void>
}

export interface ThinRoomOptions {
  /** How many member clients (at most 1,000). */
  members: number
  /** At least `members` identities; the first must be `admin`'s on Parley (it creates the group). */
  identities: readonly Identity[]
  /** Parley only: the full client that creates the group. */
  admin?: GroupAdmin
  /** Elsewhere than on Parley: the group id (and so room name) to use, e.g. Parley's, so that the same prepared messages fit every system. */
  group_id?: string
  concurrency?: number
}

/** Connects `members` thin clients to a fresh room of `server` (on Parley, a fresh group of exactly those members) and waits until all are synced. */
export const openThinRoom = async (server: RunningServer, { members, identities, admin, group_id: given, concurrency }: ThinRoomOptions): Promise<ThinRoom> => {
  const chosen = identities.slice(0, members)
  if (chosen.length < members) throw new Error(`${members} members need as many identities`)
  let group_id = given ?? randomId()
  if (server.system === 'parley') {
    if (!admin || admin.identity.user_id !== chosen[0]!.user_id) throw new Error('a Parley room needs its admin as the first member')
    group_id = await admin.createGroup(chosen.slice(1))
  }
  const room = groupBucketRoom(group_id)
  const clients = await connectMany(server, members, index => ({ room, identity: chosen[index] }), { concurrency })
  return { server, group_id, room, clients, identities: chosen, close: () => closeAll(clients) }
}
