// The sidebar's order: people and groups with recent conversations first, then by name.
import type { ConversationSummary, Group, User } from '../client'

export interface UserEntry {
  user: User
  online: boolean
  summary: ConversationSummary | null
}

export interface GroupEntry {
  group: Group
  summary: ConversationSummary | null
}

const lastActivity = (summary: ConversationSummary | null): string => summary?.last?.created_at ?? ''

const byActivityThenName = <T extends { summary: ConversationSummary | null }>(nameOf: (entry: T) => string) =>
  (a: T, b: T): number => lastActivity(b.summary).localeCompare(lastActivity(a.summary)) || nameOf(a).localeCompare(nameOf(b))

/** Everyone but oneself, with presence and the direct conversation's summary. */
export const userEntries = (
  users: readonly User[],
  me: string,
  online: ReadonlySet<string>,
  summaries: readonly ConversationSummary[]
): UserEntry[] => {
  const byPeer = new Map<string, ConversationSummary>()
  for (const summary of summaries) if (summary.peer_id !== null) byPeer.set(summary.peer_id, summary)
  return users
    .filter(user => user.user_id !== me)
    .map(user => ({ user, online: online.has(user.user_id), summary: byPeer.get(user.user_id) ?? null }))
    .sort(byActivityThenName(entry => entry.user.name))
}

export const groupEntries = (groups: readonly Group[], summaries: readonly ConversationSummary[]): GroupEntry[] => {
  const byGroup = new Map<string, ConversationSummary>()
  for (const summary of summaries) if (summary.group_id !== null) byGroup.set(summary.group_id, summary)
  return groups
    .map(group => ({ group, summary: byGroup.get(group.group_id) ?? null }))
    .sort(byActivityThenName(entry => entry.group.name))
}
