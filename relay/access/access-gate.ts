// Decides room joins against the relay's directory, loading it when needed, and waits briefly for a group still on its way.
import { DIRECTORY_ROOM, type RoomRef } from '../../shared/protocol'
import type { Peer } from '../room'
import type { RoomRegistry } from '../rooms'
import type { DirectoryView } from './directory-view'
import { roomRefusal, type AccessRefusal } from './room-access'

/**
 * How long a join to an unknown group, or by someone not (yet) a member, waits for the
 * directory to say otherwise. NOTE: a client creates a group in the directory and joins its
 * rooms right after; the join can arrive before the directory update has been applied.
 */
export const GROUP_GRACE_MS = 3000

/** A peer that only holds a room loaded while the relay reads it. */
const readerPeer = (): Peer => ({ send: () => {}, awarenessClients: new Set(), user_id: '', revoke: () => {} })

export class AccessGate {
  constructor (
    private readonly registry: RoomRegistry,
    readonly directory: DirectoryView,
    private readonly graceMs = GROUP_GRACE_MS
  ) {}

  /** The refusal as the directory stands now (it must be loaded for group rooms: see admit). */
  check (user_id: string, room: RoomRef): AccessRefusal | null {
    return roomRefusal(user_id, room, this.directory)
  }

  /** Null when the user may join, else why not; for a group, waits up to the grace period for the directory to agree. */
  async admit (user_id: string, room: RoomRef): Promise<AccessRefusal | null> {
    if (room.kind !== 'conversation' && room.kind !== 'bucket') return this.check(user_id, room)
    if (room.conversation.kind !== 'group') return this.check(user_id, room)
    const { group_id } = room.conversation
    const reader = readerPeer()
    const directory = await this.registry.join(DIRECTORY_ROOM, reader)
    try {
      const now = this.check(user_id, room)
      if (now !== 'no-such-group' && now !== 'not-a-member') return now
      return await new Promise<AccessRefusal | null>(resolve => {
        const finish = () => {
          clearTimeout(timer)
          unsubscribe()
          resolve(this.check(user_id, room))
        }
        const timer = setTimeout(finish, this.graceMs)
        const unsubscribe = this.directory.onGroupChange(changed => {
          if (changed === group_id && this.check(user_id, room) === null) finish()
        })
      })
    } finally {
      this.registry.leave(directory, reader)
    }
  }
}
