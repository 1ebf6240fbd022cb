// The relay's reading of its own directory room: group membership for access checks, kept current.
import type * as Y from 'yjs'
import { parseGroup } from '../../shared/model'
import { directoryGroups } from '../../shared/schema'
import { wasRefused } from '../writes/judged-apply'
import type { GroupMembership } from './room-access'

/**
 * Group members as the relay's copy of the directory says, parsed once per change. The
 * directory's writes are checked by the relay (write-rules.ts), so what is read here was
 * written by the group's admins.
 */
export class DirectoryView implements GroupMembership {
  /**
   * Parsed members of groups the directory holds. NOTE: a group it does not hold is not cached:
   * anyone may ask to join any group id, and remembering each miss until the directory next
   * reloads (it stays loaded while anyone is online) would grow without bound.
   */
  private readonly cache = new Map<string, ReadonlySet<string> | 'deleted' | null>()
  private readonly listeners = new Set<(group_id: string) => void>()
  private groups: Y.Map<unknown> | null = null

  /** Reads groups from `doc` from now on (the directory room's document: loaded again after a storage failure, rebuilt after a refusal). */
  attach (doc: Y.Doc): void {
    this.groups?.unobserve(this.onChange)
    this.cache.clear()
    this.groups = directoryGroups(doc)
    this.groups.observe(this.onChange)
  }

  membersOf (group_id: string): ReadonlySet<string> | 'deleted' | null {
    if (this.cache.has(group_id)) return this.cache.get(group_id)!
    if (!this.groups?.has(group_id)) return null
    const parsed = parseGroup(this.groups.get(group_id), group_id)
    const members = parsed.ok ? (parsed.value.deleted_at === null ? new Set(parsed.value.user_ids) : 'deleted') : null
    this.cache.set(group_id, members)
    return members
  }

  /** Groups held parsed: at most those the directory holds. */
  get cachedGroups (): number { return this.cache.size }

  /** Admins of the group, or null when there is no valid group. */
  adminsOf (group_id: string): ReadonlySet<string> | null {
    const parsed = this.groups ? parseGroup(this.groups.get(group_id), group_id) : null
    return parsed?.ok ? new Set(parsed.value.admin_ids) : null
  }

  /** Called with a group id whenever that group changes; returns the unsubscribe function. */
  onGroupChange (listener: (group_id: string) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private readonly onChange = (event: Y.YMapEvent<unknown>): void => {
    // NOTE: Yjs calls observers for an update the relay then refuses (judged-apply.ts); the document is rebuilt without it.
    if (wasRefused(event.transaction)) return
    for (const group_id of event.keysChanged) {
      this.cache.delete(group_id)
      for (const listener of this.listeners) listener(group_id)
    }
  }
}
