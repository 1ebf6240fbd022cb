// Who may be in which room: a direct conversation's two people, a group's members, one's own room, and anyone's profile.
import type { RoomRef, RoomRefusal } from '../../shared/protocol'

/** Why a user may not be in a room ('too-many-rooms' is the connection's to say, not the room's). */
export type AccessRefusal = Exclude<RoomRefusal, 'too-many-rooms'>

/** A group's members as its record says, 'deleted', or 'no-group' when its room holds no valid record. */
export type GroupMembers = ReadonlySet<string> | 'deleted' | 'no-group'

/** What the relay knows of groups, from each group's own room. */
export interface GroupMembership {
  /** The group's members; undefined when its record has not been read (refused: access fails closed). */
  membersOf(group_id: string): GroupMembers | undefined
}

/**
 * Null when `user_id` may join `room`, else why not. NOTE: the index room of a group that does
 * not exist yet admits anyone: that is where its creator writes it (write-rules.ts lets them
 * name only themself as its creator). The room is empty until then, and from the moment a record
 * appears, everyone it does not name is taken out (server.ts rechecks on every group change).
 */
export const roomRefusal = (user_id: string, room: RoomRef, groups: GroupMembership): AccessRefusal | null => {
  switch (room.kind) {
    // Profiles are public on the relay (whoever can connect may look anyone up by id).
    case 'profile': return null
    case 'user': return room.user_id === user_id ? null : 'not-the-owner'
    case 'conversation':
    case 'bucket': {
      const { conversation } = room
      if (conversation.kind === 'direct') return conversation.user_ids.includes(user_id) ? null : 'not-a-participant'
      const members = groups.membersOf(conversation.group_id)
      if (members === undefined) return 'no-such-group'
      if (members === 'no-group') return room.kind === 'conversation' ? null : 'no-such-group'
      if (members === 'deleted') return 'group-deleted'
      return members.has(user_id) ? null : 'not-a-member'
    }
  }
}
