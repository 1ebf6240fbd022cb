// The structural entries of documents (bucket index, activity, conversation lists, read marks, typing) are parsed, not trusted.
import { describe, expect, it } from 'vitest'
import { randomId } from './ids'
import { LIMITS } from './model'
import { conversationRoom, directConversation, groupConversation } from './protocol'
import {
  PREVIEW_LENGTH, parseActivity, parseBucketEntry, parseConversationEntry, parseReadMark, parseTypingState
} from './schema'

const NOW = '2026-11-24T08:00:00.000Z'

describe('parseBucketEntry', () => {
  it('accepts canonical bucket numbers with a timestamp only', () => {
    expect(parseBucketEntry({ created_at: NOW }, '0')).toEqual({ ok: true, value: { bucket: 0, created_at: NOW } })
    for (const key of ['-1', '01', '1.5', 'x', '10000001']) expect(parseBucketEntry({ created_at: NOW }, key).ok).toBe(false)
    expect(parseBucketEntry({ created_at: 'soon' }, '1')).toEqual({ ok: false, reason: 'bad-timestamp' })
    expect(parseBucketEntry(null, '1').ok).toBe(false)
  })
})

describe('parseActivity', () => {
  const sender = randomId()
  const last = { message_id: randomId(), created_at: NOW, preview: 'hi', deleted: false }
  // Its shape only; whether it verifies is shared/activity-signature.ts's to say.
  const signature = 'S'.repeat(85) + 'A'

  it('accepts a sender entry keyed by the sender, with its count, last message and signature', () => {
    expect(parseActivity({ count: 3, last, signature }, sender))
      .toEqual({ ok: true, value: { sender_id: sender, count: 3, last: { ...last, sender_id: sender }, signature } })
    expect(parseActivity({ count: 0, last: null, signature }, sender))
      .toEqual({ ok: true, value: { sender_id: sender, count: 0, last: null, signature } })
  })

  it('rejects bad keys, counts, last messages and signatures', () => {
    expect(parseActivity({ count: 1, last, signature }, 'nobody').ok).toBe(false)
    for (const count of [-1, 1.5, '3', Number.POSITIVE_INFINITY, null]) expect(parseActivity({ count, last, signature }, sender).ok).toBe(false)
    expect(parseActivity({ count: 1, last: { ...last, preview: 'x'.repeat(PREVIEW_LENGTH + 1) }, signature }, sender).ok).toBe(false)
    expect(parseActivity({ count: 1, last: { ...last, preview: 'half \uD83D' }, signature }, sender).ok).toBe(false)
    expect(parseActivity({ count: 1, last: { ...last, created_at: 5 }, signature }, sender).ok).toBe(false)
    expect(parseActivity({ count: 1, last: { ...last, message_id: 'x' }, signature }, sender).ok).toBe(false)
    expect(parseActivity({ count: 1, last: { ...last, deleted: 'no' }, signature }, sender).ok).toBe(false)
    expect(parseActivity('lots', sender).ok).toBe(false)
    for (const bad of [undefined, 'S'.repeat(86), 'short']) {
      expect(parseActivity({ count: 1, last, signature: bad }, sender)).toEqual({ ok: false, reason: 'bad-signature' })
    }
  })
})

describe('parseConversationEntry', () => {
  const owner = randomId()
  const other = randomId()

  it("accepts the owner's direct conversations and any group", () => {
    const direct = conversationRoom(directConversation(owner, other))
    expect(parseConversationEntry(owner)({ added_at: NOW }, direct)).toMatchObject({ ok: true, value: { room: direct } })
    expect(parseConversationEntry(owner)({ added_at: NOW }, conversationRoom(groupConversation(randomId()))).ok).toBe(true)
  })

  it("rejects someone else's direct conversation, buckets, other rooms and bad timestamps", () => {
    const strangers = conversationRoom(directConversation(other, randomId()))
    expect(parseConversationEntry(owner)({ added_at: NOW }, strangers)).toEqual({ ok: false, reason: 'bad-recipient' })
    const direct = directConversation(owner, other)
    expect(parseConversationEntry(owner)({ added_at: NOW }, `${conversationRoom(direct)}/0`).ok).toBe(false)
    expect(parseConversationEntry(owner)({ added_at: NOW }, 'directory').ok).toBe(false)
    expect(parseConversationEntry(owner)({ added_at: 'now' }, conversationRoom(direct)).ok).toBe(false)
  })
})

describe('parseReadMark', () => {
  const room = conversationRoom(groupConversation(randomId()))

  it('accepts counts per sender for a conversation room', () => {
    const sender = randomId()
    expect(parseReadMark({ counts: { [sender]: 4 } }, room)).toEqual({ ok: true, value: { room, counts: { [sender]: 4 } } })
  })

  it('rejects bad rooms, senders and counts, and too many senders', () => {
    expect(parseReadMark({ counts: {} }, 'directory').ok).toBe(false)
    expect(parseReadMark({ counts: { nobody: 1 } }, room).ok).toBe(false)
    expect(parseReadMark({ counts: { [randomId()]: -1 } }, room).ok).toBe(false)
    expect(parseReadMark({ counts: [1, 2] }, room).ok).toBe(false)
    const many = Object.fromEntries(Array.from({ length: LIMITS.groupMembers + 1 }, () => [randomId(), 1]))
    expect(parseReadMark({ counts: many }, room).ok).toBe(false)
  })
})

describe('parseTypingState', () => {
  it('reads a user id and a typing flag, and nothing else', () => {
    const user_id = randomId()
    expect(parseTypingState({ user_id, typing: true })).toEqual({ ok: true, value: { user_id, typing: true } })
    expect(parseTypingState({ user_id, typing: 'yes' })).toEqual({ ok: true, value: { user_id, typing: false } })
    expect(parseTypingState({ user_id: 'x', typing: true }).ok).toBe(false)
    expect(parseTypingState(null).ok).toBe(false)
  })
})
