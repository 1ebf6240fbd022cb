// The relay's write rules, entry by entry: each refusal for the right reason, and every honest write allowed.
import { describe, expect, it } from 'vitest'
import { groupConversation, parseRoom, userRoom, directConversation, bucketRoom, conversationRoom, type RoomRef } from '../../shared/protocol'
import { judgeWrite, type WriteContext } from './write-rules'
import type { EntryWrite } from './update-inspection'

const [ADA, BOB, EVE, GROUP] = ['A'.repeat(22), 'B'.repeat(22), 'E'.repeat(22), 'G'.repeat(22)]
const NOW = '2026-11-24T10:00:00.000Z'
const SIGNATURE = 'A'.repeat(85) + 'w'

const context = (writer: string, room: string, current: Record<string, unknown> = {}): WriteContext => ({
  writer,
  room: parseRoom(room) as RoomRef,
  current: (root, key) => current[`${root}/${key}`],
  maxMessageLength: 100
})

const write = (root: string, key: string, value: unknown): EntryWrite => ({ root, key, value, deleted: value === undefined })

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
    const directory = 'directory'
    expect(judgeWrite(write('groups', GROUP, group({ created_by: EVE, admin_ids: [EVE] })), context(EVE, directory))).toBeNull()
    expect(judgeWrite(write('groups', GROUP, group()), context(EVE, directory))).toBe('not-an-admin')
    const existing = { [`groups/${GROUP}`]: group() }
    expect(judgeWrite(write('groups', GROUP, group({ name: 'Renamed' })), context(ADA, directory, existing))).toBeNull()
    expect(judgeWrite(write('groups', GROUP, group({ name: 'Renamed' })), context(EVE, directory, existing))).toBe('not-an-admin')
    expect(judgeWrite(write('groups', GROUP, group({ user_ids: [ADA, BOB] })), context(EVE, directory, existing))).toBeNull()
    expect(judgeWrite(write('groups', GROUP, group({ user_ids: [ADA, EVE] })), context(EVE, directory, existing))).toBe('not-an-admin')
    expect(judgeWrite(write('groups', GROUP, group({ created_by: EVE })), context(ADA, directory, existing))).toBe('invalid-value')
    expect(judgeWrite(write('groups', GROUP, undefined), context(EVE, directory, existing))).toBe('not-an-admin')
    expect(judgeWrite(write('groups', GROUP, { name: 42 }), context(ADA, directory, existing))).toBe('invalid-value')
    expect(judgeWrite(write('elsewhere', GROUP, group()), context(ADA, directory))).toBe('unknown-entry')
  })

  it('messages: the sender\'s own, in the conversation of their bucket, within the length limit', () => {
    const bucket = bucketRoom(groupConversation(GROUP), 0)
    expect(judgeWrite(write('messages', 'M'.repeat(22), message()), context(EVE, bucket))).toBeNull()
    expect(judgeWrite(write('messages', 'M'.repeat(22), message({ sender_id: ADA })), context(EVE, bucket))).toBe('not-yours')
    expect(judgeWrite(write('messages', 'M'.repeat(22), message({ content: 'x'.repeat(101) })), context(EVE, bucket))).toBe('too-long')
    expect(judgeWrite(write('messages', 'M'.repeat(22), message({ group_id: 'H'.repeat(22) })), context(EVE, bucket))).toBe('wrong-conversation')
    const adas = { [`messages/${'M'.repeat(22)}`]: message({ sender_id: ADA }) }
    expect(judgeWrite(write('messages', 'M'.repeat(22), message()), context(EVE, bucket, adas))).toBe('not-yours')
    expect(judgeWrite(write('messages', 'M'.repeat(22), undefined), context(EVE, bucket, adas))).toBe('not-yours')
    expect(judgeWrite(write('messages', 'M'.repeat(22), undefined), context(ADA, bucket, adas))).toBeNull()
    const direct = bucketRoom(directConversation(ADA, BOB), 3)
    expect(judgeWrite(write('messages', 'M'.repeat(22), message({ sender_id: ADA, receiver_id: BOB, group_id: null })), context(ADA, direct))).toBeNull()
    expect(judgeWrite(write('messages', 'M'.repeat(22), message({ sender_id: ADA, receiver_id: EVE, group_id: null })), context(ADA, direct))).toBe('wrong-conversation')
  })

  it('one\'s own room is its owner\'s alone; activity entries are each sender\'s own', () => {
    const entry = { added_at: NOW }
    const room = conversationRoom(directConversation(ADA, BOB))
    expect(judgeWrite(write('conversations', room, entry), context(ADA, userRoom(ADA)))).toBeNull()
    expect(judgeWrite(write('conversations', room, entry), context(BOB, userRoom(ADA)))).toBe('not-yours')
    expect(judgeWrite(write('activity', BOB, { count: 1, last: null }), context(ADA, room))).toBe('not-yours')
    expect(judgeWrite(write('buckets', '0', { created_at: NOW }), context(ADA, room))).toBeNull()
    expect(judgeWrite(write('buckets', '0', undefined), context(ADA, room))).toBe('not-yours')
  })
})
