// The relay's write rules, entry by entry: each refusal for the right reason, and every honest write allowed.
import { describe, expect, it } from 'vitest'
import { groupConversation, parseRoom, userRoom, directConversation, bucketRoom, conversationRoom, type RoomRef } from '../../shared/protocol'
import { hasUnknownField, judgeChange, judgeWrite, type EntryWrite } from './write-rules'
import type { EntryChange } from './update-effect'

const [ADA, BOB, EVE, GROUP] = ['A'.repeat(22), 'B'.repeat(22), 'E'.repeat(22), 'G'.repeat(22)]
const NOW = '2026-11-24T10:00:00.000Z'
const SIGNATURE = 'A'.repeat(85) + 'w'

/** A write of `value` (undefined: a removal) to `root[key]`, whose value before was `current[root/key]`; `gone` lists the entries deleted before. */
const judge = (writer: string, room: string, root: string, key: string, value: unknown, current: Record<string, unknown> = {}, gone: string[] = []) => {
  const write: EntryWrite = { root, key, value, deleted: value === undefined, before: current[`${root}/${key}`], tombstone: gone.includes(`${root}/${key}`) }
  return judgeWrite(write, { writer, room: parseRoom(room) as RoomRef, maxMessageLength: 100 })
}

const group = (fields: Partial<Record<string, unknown>> = {}) => ({
  group_id: GROUP, name: 'Team', user_ids: [ADA, BOB, EVE], admin_ids: [ADA], created_by: ADA,
  created_at: NOW, updated_at: NOW, deleted_at: null, ...fields
})

const message = (fields: Partial<Record<string, unknown>> = {}) => ({
  message_id: 'M'.repeat(22), sender_id: EVE, receiver_id: null, group_id: GROUP, content: 'hi',
  created_at: NOW, updated_at: NOW, deleted_at: null, signature: SIGNATURE, ...fields
})

describe('judgeWrite', () => {
  it('groups: created by oneself as admin; changed by admins; left by a member; nothing else', () => {
    const index = conversationRoom(groupConversation(GROUP))
    expect(judge(EVE, index, 'group', GROUP, group({ created_by: EVE, admin_ids: [EVE] }))).toBeNull()
    expect(judge(EVE, index, 'group', GROUP, group())).toBe('not-an-admin')
    const existing = { [`group/${GROUP}`]: group() }
    expect(judge(ADA, index, 'group', GROUP, group({ name: 'Renamed' }), existing)).toBeNull()
    expect(judge(EVE, index, 'group', GROUP, group({ name: 'Renamed' }), existing)).toBe('not-an-admin')
    expect(judge(EVE, index, 'group', GROUP, group({ admin_ids: [ADA, EVE] }), existing)).toBe('not-an-admin')
    expect(judge(EVE, index, 'group', GROUP, group({ user_ids: [ADA, BOB] }), existing)).toBeNull()
    expect(judge(EVE, index, 'group', GROUP, group({ user_ids: [ADA, EVE] }), existing)).toBe('not-an-admin')
    expect(judge(ADA, index, 'group', GROUP, group({ created_by: EVE }), existing)).toBe('invalid-value')
    expect(judge(ADA, index, 'group', GROUP, group({ created_at: '2026-11-25T10:00:00.000Z' }), existing)).toBe('invalid-value')
    expect(judge(EVE, index, 'group', GROUP, undefined, existing)).toBe('not-an-admin')
    expect(judge(ADA, index, 'group', GROUP, undefined, existing)).toBeNull()
    expect(judge(ADA, index, 'group', GROUP, { name: 42 }, existing)).toBe('invalid-value')
    expect(judge(ADA, index, 'elsewhere', GROUP, group())).toBe('unknown-entry')
  })

  it('a group\'s record only in its own index room, under its own id; none in the directory', () => {
    const own = group({ created_by: EVE, admin_ids: [EVE] })
    // A direct conversation's index, a bucket of the group, and one's own room hold no group.
    expect(judge(EVE, conversationRoom(directConversation(ADA, EVE)), 'group', GROUP, own)).toBe('unknown-entry')
    expect(judge(EVE, bucketRoom(groupConversation(GROUP), 0), 'group', GROUP, own)).toBe('unknown-entry')
    expect(judge(EVE, userRoom(EVE), 'group', GROUP, own)).toBe('unknown-entry')
    // Another group's room, or another key in this one: not even its creator may put it there.
    const other = 'H'.repeat(22)
    expect(judge(EVE, conversationRoom(groupConversation(other)), 'group', GROUP, own)).toBe('unknown-entry')
    expect(judge(EVE, conversationRoom(groupConversation(GROUP)), 'group', other, { ...own, group_id: other })).toBe('unknown-entry')
    // Nor its removal, by an admin of the group it names.
    expect(judge(ADA, conversationRoom(groupConversation(other)), 'group', GROUP, undefined, { [`group/${GROUP}`]: group() })).toBe('unknown-entry')
    // The directory holds profiles only: 'groups', where every group was before, is no entry of it,
    // whether a new group of one's own, an admin's change, or a removal.
    expect(judge(EVE, 'directory', 'groups', GROUP, own)).toBe('unknown-entry')
    expect(judge(ADA, 'directory', 'groups', GROUP, group({ name: 'Renamed' }), { [`groups/${GROUP}`]: group() })).toBe('unknown-entry')
    expect(judge(ADA, 'directory', 'groups', GROUP, undefined, { [`groups/${GROUP}`]: group() })).toBe('unknown-entry')
    expect(judge(EVE, 'directory', 'group', GROUP, own)).toBe('unknown-entry')
  })

  it('messages: the sender\'s own, in the conversation of their bucket, within the length limit', () => {
    const bucket = bucketRoom(groupConversation(GROUP), 0)
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), message())).toBeNull()
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), message({ sender_id: ADA }))).toBe('not-yours')
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), message({ content: 'x'.repeat(101) }))).toBe('too-long')
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), message({ group_id: 'H'.repeat(22) }))).toBe('wrong-conversation')
    const adas = { [`messages/${'M'.repeat(22)}`]: message({ sender_id: ADA }) }
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), message(), adas)).toBe('not-yours')
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), undefined, adas)).toBe('not-yours')
    expect(judge(ADA, bucket, 'messages', 'M'.repeat(22), undefined, adas)).toBeNull()
    const direct = bucketRoom(directConversation(ADA, BOB), 3)
    expect(judge(ADA, direct, 'messages', 'M'.repeat(22), message({ sender_id: ADA, receiver_id: BOB, group_id: null }))).toBeNull()
    expect(judge(ADA, direct, 'messages', 'M'.repeat(22), message({ sender_id: ADA, receiver_id: EVE, group_id: null }))).toBe('wrong-conversation')
  })

  it('one\'s own room is its owner\'s alone; activity entries are each sender\'s own', () => {
    const entry = { added_at: NOW }
    const room = conversationRoom(directConversation(ADA, BOB))
    expect(judge(ADA, userRoom(ADA), 'conversations', room, entry)).toBeNull()
    expect(judge(BOB, userRoom(ADA), 'conversations', room, entry)).toBe('not-yours')
    expect(judge(ADA, room, 'activity', BOB, { count: 1, last: null })).toBe('not-yours')
    expect(judge(ADA, room, 'buckets', '0', { created_at: NOW })).toBeNull()
    expect(judge(ADA, room, 'buckets', '0', undefined)).toBe('not-yours')
  })

  it('nothing comes back from deletion: a deleted group, a message taken out, a bucket entry', () => {
    const index = conversationRoom(groupConversation(GROUP))
    const gone = [`group/${GROUP}`]
    expect(judge(EVE, index, 'group', GROUP, group({ created_by: EVE, admin_ids: [EVE], user_ids: [EVE] }), {}, gone)).toBe('deleted-for-good')
    const deleted = { [`group/${GROUP}`]: group({ deleted_at: NOW }) }
    expect(judge(ADA, index, 'group', GROUP, group({ deleted_at: null }), deleted)).toBe('deleted-for-good')
    expect(judge(ADA, index, 'group', GROUP, group({ deleted_at: NOW, name: 'Again' }), deleted)).toBe('deleted-for-good')
    const bucket = bucketRoom(groupConversation(GROUP), 0)
    const id = 'M'.repeat(22)
    expect(judge(EVE, bucket, 'messages', id, message(), {}, [`messages/${id}`])).toBe('deleted-for-good')
    const softDeleted = { [`messages/${id}`]: message({ content: '', deleted_at: NOW }) }
    expect(judge(EVE, bucket, 'messages', id, message({ content: 'back' }), softDeleted)).toBe('deleted-for-good')
    expect(judge(EVE, bucket, 'messages', id, message({ content: '', deleted_at: NOW, updated_at: NOW }), softDeleted)).toBeNull()
    const room = conversationRoom(groupConversation(GROUP))
    expect(judge(ADA, room, 'buckets', '0', { created_at: NOW }, {}, ['buckets/0'])).toBe('deleted-for-good')
  })

  it('refuses fields no parser knows, at any depth, which would be stored and served unchecked', () => {
    const bucket = bucketRoom(groupConversation(GROUP), 0)
    expect(judge(EVE, bucket, 'messages', 'M'.repeat(22), { ...message(), padding: 'x'.repeat(1000) })).toBe('unknown-field')
    expect(judge(EVE, conversationRoom(groupConversation(GROUP)), 'group', GROUP, { ...group({ created_by: EVE, admin_ids: [EVE] }), extra: 1 })).toBe('unknown-field')
    expect(judge(ADA, userRoom(ADA), 'reads', conversationRoom(groupConversation(GROUP)), { counts: {}, more: [1] })).toBe('unknown-field')
    expect(hasUnknownField({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 }, derived: 3 })).toBe(false)
    expect(hasUnknownField({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2 } })).toBe(true)
    expect(hasUnknownField({ list: [{ x: 1, y: 2 }] }, { list: [{ x: 1 }] })).toBe(true)
  })

  it('judges items that came deleted, and a value written and deleted within one update, as removals', () => {
    const change = (fields: Partial<EntryChange>): EntryChange => ({
      root: 'users', key: ADA, before: undefined, tombstone: false, after: undefined, written: [], wroteDeleted: false,
      tombstoneAfter: false, replaced: true, beforeClient: null, afterClient: null, ...fields
    })
    const profile = { user_id: ADA, name: 'Ada' }
    const context = (writer: string, room: string) => ({ writer, room: parseRoom(room) as RoomRef, maxMessageLength: 100 })
    // A deleted item Yjs placed before Ada's live value changes nothing visible, and is still no one else's to write.
    expect(judgeChange(change({ before: profile, after: profile, wroteDeleted: true, replaced: false }), context(EVE, 'directory'))).toBe('not-yours')
    const index = conversationRoom(groupConversation(GROUP))
    const written = change({ root: 'buckets', key: '1', written: [{ created_at: NOW }], tombstoneAfter: true })
    expect(judgeChange(written, context(ADA, index))).toBe('not-yours')
    expect(judgeChange({ ...written, tombstoneAfter: false, after: { created_at: NOW } }, context(ADA, index))).toBeNull()
  })
})
