// The sidebar's order: recent conversations first, then names; oneself left out; presence and summaries matched by id.
import { describe, expect, it } from 'vitest'
import type { ConversationSummary, Group, User } from '../client'
import { groupEntries, userEntries } from './sidebar-entries'

const user = (user_id: string, name: string): User =>
  ({ user_id, name, public_key: 'k', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z', deleted_at: null })

const group = (group_id: string, name: string): Group =>
  ({ group_id, name, user_ids: ['me'], admin_ids: ['me'], created_by: 'me', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z', deleted_at: null })

const last = (created_at: string | null): ConversationSummary['last'] =>
  created_at === null ? null : { message_id: 'm', sender_id: 'me', created_at, preview: 'hi', deleted: false }

const directSummary = (peer_id: string, created_at: string | null): ConversationSummary =>
  ({ room: `direct:${peer_id}`, ref: { kind: 'direct', user_ids: ['me', peer_id] }, peer_id, group_id: null, unread: 0, last: last(created_at) })

const groupSummary = (group_id: string, created_at: string | null): ConversationSummary =>
  ({ room: `group:${group_id}`, ref: { kind: 'group', group_id }, peer_id: null, group_id, unread: 0, last: last(created_at) })

describe('userEntries', () => {
  it('lists everyone but oneself, most recent conversation first, the rest by name', () => {
    const users = [user('me', 'Me'), user('c', 'Carol'), user('a', 'Ada'), user('d', 'Dan'), user('b', 'Bob')]
    const summaries = [
      directSummary('d', '2025-06-01T10:00:00.000Z'),
      directSummary('c', '2025-06-02T10:00:00.000Z'),
      directSummary('b', null)
    ]
    const entries = userEntries(users, 'me', new Set(['a', 'me']), summaries)
    expect(entries.map(entry => entry.user.name)).toEqual(['Carol', 'Dan', 'Ada', 'Bob'])
    expect(entries.map(entry => entry.online)).toEqual([false, false, true, false])
    expect(entries[0]!.summary?.last?.created_at).toBe('2025-06-02T10:00:00.000Z')
    expect(entries[2]!.summary).toBeNull()
  })
})

describe('groupEntries', () => {
  it('puts the group with the latest message first, the rest by name, each with its own summary', () => {
    const groups = [group('g1', 'Walks'), group('g2', 'Books'), group('g3', 'Allotment')]
    const summaries = [groupSummary('g1', '2025-06-02T10:00:00.000Z'), directSummary('g3', '2025-06-03T10:00:00.000Z')]
    const entries = groupEntries(groups, summaries)
    expect(entries.map(entry => entry.group.name)).toEqual(['Walks', 'Allotment', 'Books'])
    // A direct conversation's summary never lands on a group that shares its id.
    expect(entries[1]!.summary).toBeNull()
  })
})
