// Decides room joins against each group's record, reading it when needed, and waits briefly for a group still on its way.
import type { RoomRef } from '../../shared/protocol'
import type { GroupRecords } from './group-records'
import { roomRefusal, type AccessRefusal } from './room-access'

/**
 * How long a join to a bucket of an unknown group, or by someone not (yet) a member, waits for
 * the group's record to say otherwise. NOTE: a client creates a group and writes its first
 * message right after; the bucket's join can arrive before the record's update has been applied.
 */
export const GROUP_GRACE_MS = 3000

export class AccessGate {
  constructor (
    readonly groups: GroupRecords,
    private readonly graceMs = GROUP_GRACE_MS
  ) {}

  /** The refusal as the groups' records stand now (read for group rooms: see admit). */
  check (user_id: string, room: RoomRef): AccessRefusal | null {
    return roomRefusal(user_id, room, this.groups)
  }

  /** Null when the user may join, else why not; for a group, waits up to the grace period for its record to agree. */
  async admit (user_id: string, room: RoomRef): Promise<AccessRefusal | null> {
    if (room.kind !== 'conversation' && room.kind !== 'bucket') return this.check(user_id, room)
    if (room.conversation.kind !== 'group') return this.check(user_id, room)
    const { group_id } = room.conversation
    await this.groups.load(group_id)
    const now = this.check(user_id, room)
    if (now !== 'no-such-group' && now !== 'not-a-member') return now
    return await new Promise<AccessRefusal | null>(resolve => {
      const finish = () => {
        clearTimeout(timer)
        unsubscribe()
        resolve(this.check(user_id, room))
      }
      const timer = setTimeout(finish, this.graceMs)
      const unsubscribe = this.groups.onGroupChange(change => {
        if (change.group_id === group_id && this.check(user_id, room) === null) finish()
      })
    })
  }
}
