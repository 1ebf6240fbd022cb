// Who may be in which room: a direct conversation's two people, a group's members, one's own room, and everyone in the directory.
import type { RoomRef, RoomRefusal } from '../../shared/protocol'

/** Why a user may not be in a room ('too-many-rooms' is the connection's to say, not the room's). */
export type AccessRefusal = Exclude<RoomRefusal, 'too-many-rooms'>

/** What the relay knows of groups, from its copy of the directory. */
export interface GroupMembership {
  /** The group's members, 'deleted', or null when the directory has no such group. */
  membersOf(group_id: string): ReadonlySet<string> | 'deleted' | null
}

/** Null when `user_id` may join `room`, else why not. */
export const roomRefusal = (user_id: string, room: RoomRef, groups: GroupMembership): AccessRefusal | null => {
  switch (room.kind) {
    case 'directory': return null
    case 'user': return room.user_id === user_id ? null : 'not-the-owner'
    case 'conversation':
    case 'bucket': {
      const { conversation } = room
      if (conversation.kind === 'direct') return conversation.user_ids.includes(user_id) ? null : 'not-a-participant'
      const members = groups.membersOf(conversation.group_id)
      if (members === null) return 'no-such-group'
      if (members === 'deleted') return 'group-deleted'
      return members.has(user_id) ? null : 'not-a-member'
    }
  }
}
