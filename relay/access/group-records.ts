// The relay's reading of each group's record, kept in the group's own index room: members for access checks, and every change.
import type * as Y from 'yjs'
import { parseGroup, type Group } from '../../shared/model'
import { conversationRoom, groupConversation } from '../../shared/protocol'
import { groupRecord } from '../../shared/schema'
import type { Room } from '../room'
import type { RoomRegistry } from '../rooms'
import { entryItem, holdsAnything } from '../../shared/yjs-internals'
import { wasRefused } from '../writes/judged-apply'
import type { GroupMembers, GroupMembership } from './room-access'

/**
 * Groups whose members are kept in memory, the least recently used forgotten first. NOTE: a
 * group holds up to 1,000 members; 20,000 groups of a hundred are 2 million ids (~100 MB at
 * worst), and a group forgotten is read again from its room at its next join.
 */
export const GROUPS_REMEMBERED = 20_000

/** One accepted change to a group's record: what it was and what it is (null: none, or not valid). */
export interface GroupChange {
  group_id: string
  before: Group | null
  after: Group | null
}

const parsedGroup = (value: unknown, group_id: string): Group | null => {
  const parsed = value === undefined ? null : parseGroup(value, group_id)
  return parsed?.ok ? parsed.value : null
}

/**
 * Who the record lets in. NOTE: only an empty room admits anyone (that is where a creator writes
 * a new group): a record taken out of the map by an admin leaves a tombstone, a value that does
 * not parse is nobody's, and a room holding a history but no record (a v1 group whose record was
 * lost) is nobody's either. Fails closed: such rooms still hold their history's previews.
 */
const membersIn = (record: Y.Map<unknown>, group_id: string): GroupMembers => {
  if (entryItem(record, group_id) === undefined) return record.doc !== null && holdsAnything(record.doc) ? 'deleted' : 'no-group'
  const group = parsedGroup(record.get(group_id), group_id)
  return group === null || group.deleted_at !== null ? 'deleted' : new Set(group.user_ids)
}

/**
 * Group members as each group's own room says. The record's writes are checked by the relay
 * (write-rules.ts), so what is read here was written by the group's admins. NOTE: members stay
 * known while the room rests or unloads: every change to the record passes through the room's
 * document again (onDocument re-attaches), so what is remembered cannot go stale.
 */
export class GroupRecords implements GroupMembership {
  private readonly remembered = new Map<string, GroupMembers>()
  private readonly listeners = new Set<(change: GroupChange) => void>()

  constructor (private readonly registry: RoomRegistry, private readonly limit = GROUPS_REMEMBERED) {}

  /** The group's members as last read; undefined when not read yet (see load). */
  membersOf (group_id: string): GroupMembers | undefined {
    const members = this.remembered.get(group_id)
    if (members !== undefined) this.remember(group_id, members)
    return members
  }

  /** Reads the group's record from its room (loading the room for that long). */
  async load (group_id: string): Promise<GroupMembers> {
    const known = this.membersOf(group_id)
    if (known !== undefined) return known
    const name = conversationRoom(groupConversation(group_id))
    return await this.registry.withRoom(name, room => this.read(group_id, groupRecord(room.doc)))
  }

  /** Follows a group index room's document (each new one: loaded, woken, rebuilt after a refusal). */
  attach (room: Room, group_id: string): void {
    const record = groupRecord(room.doc)
    this.read(group_id, record)
    record.observe(event => {
      // NOTE: Yjs calls observers for an update the relay then refuses (judged-apply.ts); the document is rebuilt without it.
      if (wasRefused(event.transaction) || !event.keysChanged.has(group_id)) return
      const before = parsedGroup(event.changes.keys.get(group_id)?.oldValue, group_id)
      const after = parsedGroup(record.get(group_id), group_id)
      this.remember(group_id, membersIn(record, group_id))
      for (const listener of this.listeners) listener({ group_id, before, after })
    })
  }

  /** Called with every accepted change to a group's record; returns the unsubscribe function. */
  onGroupChange (listener: (change: GroupChange) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Groups whose members are held now: at most the limit. */
  get rememberedGroups (): number { return this.remembered.size }

  private read (group_id: string, record: Y.Map<unknown>): GroupMembers {
    const members = membersIn(record, group_id)
    this.remember(group_id, members)
    return members
  }

  private remember (group_id: string, members: GroupMembers): void {
    this.remembered.delete(group_id)
    this.remembered.set(group_id, members)
    if (this.remembered.size > this.limit) this.remembered.delete(this.remembered.keys().next().value!)
  }
}
