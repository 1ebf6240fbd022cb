// The relay keeps each person's list of groups: a group joins it when they are added, and leaves it when they are removed.
import type { Group } from '../../shared/model'
import { RELAY_ORIGIN } from '../../shared/origin'
import { conversationRoom, groupConversation, userRoom } from '../../shared/protocol'
import { userConversations } from '../../shared/schema'
import { timestamp } from '../../shared/time'
import type { Logger } from '../log'
import type { RoomRegistry } from '../rooms'
import type { GroupChange } from '../access/group-records'

const liveMembers = (group: Group | null): ReadonlySet<string> =>
  new Set(group !== null && group.deleted_at === null ? group.user_ids : [])

/**
 * NOTE: a group is private to its members, so nobody else can tell a person they were added: the
 * relay writes the group into their own room (`user/<id>`'s conversations), which they sync
 * whenever they are online, and takes it out when they leave, are removed, or the group is
 * deleted. Changes are applied one after another, in the order the groups changed.
 */
export class GroupAnnouncer {
  private work: Promise<void> = Promise.resolve()

  constructor (private readonly registry: RoomRegistry, private readonly log: Logger) {}

  readonly noteChange = ({ group_id, before, after }: GroupChange): void => {
    const was = liveMembers(before)
    const is = liveMembers(after)
    const added = [...is].filter(id => !was.has(id))
    const removed = [...was].filter(id => !is.has(id))
    if (added.length === 0 && removed.length === 0) return
    const room = conversationRoom(groupConversation(group_id))
    this.work = this.work.then(async () => {
      for (const user_id of added) await this.list(user_id, room, true)
      for (const user_id of removed) await this.list(user_id, room, false)
    })
  }

  /** Resolves once every change noted so far has reached the lists. */
  whenAnnounced (): Promise<void> { return this.work }

  private async list (user_id: string, room: string, listed: boolean): Promise<void> {
    try {
      await this.registry.withRoom(userRoom(user_id), own => {
        const list = userConversations(own.doc)
        if (list.has(room) === listed) return
        own.doc.transact(() => {
          if (listed) list.set(room, { added_at: timestamp() })
          else list.delete(room)
        }, RELAY_ORIGIN)
      })
    } catch (error) {
      // NOTE: the relay is shutting down, or the person's room cannot be read: the group still
      // shows once they open it from elsewhere; its access checks do not depend on the list.
      this.log.warn('group-announcement-failed', { room, user: user_id, error: (error as Error).message })
    }
  }
}
