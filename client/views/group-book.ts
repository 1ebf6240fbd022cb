// One's groups: each listed in one's own room, its record read from the group's own index room.
import { parseGroup, type Group } from '../../shared/model'
import { conversationRoom, groupConversation } from '../../shared/protocol'
import { groupRecord, parseConversationEntry, userConversations, type ConversationEntry } from '../../shared/schema'
import type { Replica } from '../replica'
import type { ReplicaPool } from '../replica-pool'
import { ValidatedMap } from './validated-map'

interface Watched {
  room: string
  replica: Replica | null
  record: ValidatedMap<Group> | null
  /** Stops following the room's link (for refusals). */
  unfollow: () => void
}

/** What the book tells its owner. */
export interface GroupBookEvents {
  /** A group's record changed, or a group joined or left one's list. */
  onChange(): void
  /** The relay refused one of one's writes to a group's record. */
  onRejected(reason: string): void
}

/**
 * NOTE: a group is private to its members: only they can open its index room, where its record
 * is. The relay lists each group in its members' own rooms (relay/writes/group-announcer.ts),
 * so the list says which rooms to open, and the records say what to show.
 */
export class GroupBook {
  private readonly watched = new Map<string, Watched>()
  private readonly listed: ValidatedMap<ConversationEntry>
  private closed = false

  constructor (
    private readonly me: string,
    own: Replica,
    private readonly pool: ReplicaPool,
    private readonly events: GroupBookEvents
  ) {
    this.listed = new ValidatedMap(own.map(userConversations), parseConversationEntry(me))
    this.listed.onChange(() => this.refresh())
    this.refresh()
  }

  /** The groups one belongs to, not deleted. */
  groups (): Group[] {
    const groups: Group[] = []
    for (const group_id of this.watched.keys()) {
      const group = this.group(group_id)
      if (group !== null && group.user_ids.includes(this.me)) groups.push(group)
    }
    return groups
  }

  /** A listed group's record, unless deleted; null while its room opens. */
  group (group_id: string): Group | null {
    const group = this.watched.get(group_id)?.record?.get(group_id)
    return group && group.deleted_at === null ? group : null
  }

  /** The open index room of a listed group, where its record is written; null while it opens. */
  replicaOf (group_id: string): Replica | null { return this.watched.get(group_id)?.replica ?? null }

  /** Records skipped as invalid. */
  get skipped (): number {
    let skipped = 0
    for (const { record } of this.watched.values()) skipped += record?.skipped ?? 0
    return skipped
  }

  /** The group's index room, opened and followed from now on (one creating a group writes its record there). */
  async open (group_id: string): Promise<Replica> {
    const watched = this.watch(group_id)
    const replica = await this.pool.acquire(watched.room)
    void this.pool.release(watched.room)
    return replica
  }

  private refresh (): void {
    if (this.closed) return
    const wanted = new Set<string>()
    for (const { conversation } of this.listed.values()) if (conversation.kind === 'group') wanted.add(conversation.group_id)
    for (const group_id of wanted) this.watch(group_id)
    for (const group_id of [...this.watched.keys()]) if (!wanted.has(group_id)) this.unwatch(group_id)
    this.events.onChange()
  }

  private watch (group_id: string): Watched {
    const existing = this.watched.get(group_id)
    if (existing) return existing
    const room = conversationRoom(groupConversation(group_id))
    const watched: Watched = { room, replica: null, record: null, unfollow: () => {} }
    this.watched.set(group_id, watched)
    this.pool.acquire(room).then(replica => {
      if (this.watched.get(group_id) !== watched) {
        void this.pool.release(room)
        return
      }
      watched.replica = replica
      watched.record = new ValidatedMap(replica.map(groupRecord), parseGroup)
      watched.record.onChange(() => this.events.onChange())
      let rejections = replica.link.rejections
      watched.unfollow = replica.link.onChange(() => {
        if (replica.link.rejections === rejections) return
        rejections = replica.link.rejections
        if (replica.link.rejection !== null) this.events.onRejected(replica.link.rejection)
      })
      this.events.onChange()
    }, () => { if (this.watched.get(group_id) === watched) this.watched.delete(group_id) })
    return watched
  }

  private unwatch (group_id: string): void {
    const watched = this.watched.get(group_id)
    this.watched.delete(group_id)
    if (watched?.replica) {
      watched.unfollow()
      watched.record?.destroy()
      void this.pool.release(watched.room)
    }
  }

  destroy (): void {
    this.closed = true
    for (const group_id of [...this.watched.keys()]) this.unwatch(group_id)
    this.listed.destroy()
  }
}
