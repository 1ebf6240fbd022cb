// What arrives after one's own rooms are in sync: the relay lists one's groups in one's own room,
// then the client opens each group's room, and the profiles of one's contacts, in theirs.
import { DEFAULT_SYNC_WAIT_MS, type DirectoryChange, type ParleyClient } from '../client/parley'
import type { Group } from '../shared/model'

/**
 * How long a group may take to show once one's own room is in sync. NOTE: the client waits this
 * long (its default syncWaitMs) for the first sync of the group's room before showing what it has,
 * so a group still missing after it is not one of one's groups.
 */
export const GROUP_WAIT_MS = DEFAULT_SYNC_WAIT_MS

/** How long without news counts as "everything has arrived" in untilQuiet. */
export const QUIET_MS = 500

/** One's group `group_id` once the client shows it with oneself a member; null when it has not within `waitMs`. */
export const untilGroup = (client: ParleyClient, group_id: string, waitMs = GROUP_WAIT_MS): Promise<Group | null> =>
  new Promise(resolve => {
    const visible = (): Group | null => {
      const group = client.group(group_id)
      return group?.user_ids.includes(client.me.user_id) ? group : null
    }
    const finish = (group: Group | null): void => {
      clearTimeout(timer)
      unsubscribe()
      resolve(group)
    }
    const timer = setTimeout(() => finish(visible()), waitMs)
    const unsubscribe = client.subscribe(change => {
      const group = change === 'groups' ? visible() : null
      if (group) finish(group)
    })
    const group = visible()
    if (group) finish(group)
  })

/**
 * Resolves once none of `changes` has happened for `quietMs`, or after `waitMs` at most: what the
 * relay sends after one's own rooms (one's groups, one's contacts' profiles) has arrived by then.
 * NOTE: the client does not say when all of one's groups' rooms have opened; they all start to
 * open when one's own room syncs, so they end close together, and a quiet spell marks the end.
 */
export const untilQuiet = (client: ParleyClient, changes: DirectoryChange[], { quietMs = QUIET_MS, waitMs = GROUP_WAIT_MS } = {}): Promise<void> =>
  new Promise(resolve => {
    let quiet = setTimeout(() => finish(), quietMs)
    const finish = (): void => {
      clearTimeout(quiet)
      clearTimeout(limit)
      unsubscribe()
      resolve()
    }
    const limit = setTimeout(finish, waitMs)
    const unsubscribe = client.subscribe(change => {
      if (!changes.includes(change)) return
      clearTimeout(quiet)
      quiet = setTimeout(finish, quietMs)
    })
  })
