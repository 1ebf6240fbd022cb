// Room names: formatRoom and parseRoom are inverses, and parseRoom accepts only canonical names.
import { describe, expect, it } from 'vitest'
import { randomId } from '../ids'
import {
  MAX_BUCKET, V1_DIRECTORY_ROOM, bucketRoom, conversationRoom, directConversation, formatRoom, groupConversation, parseRoom,
  profileRoom, userRoom, type RoomRef
} from './rooms'

/** Two distinct user ids in canonical (sorted) order. */
const sortedPair = (): [string, string] => {
  const [a, b] = [randomId(), randomId()].sort() as [string, string]
  return a === b ? sortedPair() : [a, b]
}

describe('directConversation', () => {
  it('is the same whichever side asks', () => {
    const [a, b] = sortedPair()
    expect(directConversation(a, b)).toEqual({ kind: 'direct', user_ids: [a, b] })
    expect(directConversation(b, a)).toEqual(directConversation(a, b))
    expect(conversationRoom(directConversation(b, a))).toBe(`dm/${a}/${b}`)
  })

  it('needs two distinct, well-formed ids', () => {
    const a = randomId()
    expect(() => directConversation(a, a)).toThrow(TypeError)
    expect(() => directConversation(a, 'nobody')).toThrow(TypeError)
    expect(() => groupConversation('../etc')).toThrow(TypeError)
  })
})

describe('formatRoom and parseRoom', () => {
  it('round-trip every kind of room', () => {
    const [a, b] = sortedPair()
    const group = randomId()
    const direct = directConversation(b, a)
    const rooms: Array<[RoomRef, string]> = [
      [{ kind: 'profile', user_id: a }, `profile/${a}`],
      [{ kind: 'user', user_id: a }, `user/${a}`],
      [{ kind: 'conversation', conversation: direct }, `dm/${a}/${b}`],
      [{ kind: 'conversation', conversation: groupConversation(group) }, `group/${group}`],
      [{ kind: 'bucket', conversation: direct, bucket: 0 }, `dm/${a}/${b}/0`],
      [{ kind: 'bucket', conversation: direct, bucket: 17 }, `dm/${a}/${b}/17`],
      [{ kind: 'bucket', conversation: groupConversation(group), bucket: MAX_BUCKET }, `group/${group}/${MAX_BUCKET}`]
    ]
    for (const [ref, name] of rooms) {
      expect(formatRoom(ref)).toBe(name)
      expect(parseRoom(name)).toEqual(ref)
    }
    expect(bucketRoom(direct, 17)).toBe(`dm/${a}/${b}/17`)
    expect(profileRoom(a)).toBe(`profile/${a}`)
    expect(() => profileRoom('../etc')).toThrow(TypeError)
    expect(() => userRoom('nobody')).toThrow(TypeError)
  })

  it('no longer parses protocol v1\'s public directory', () => {
    expect(V1_DIRECTORY_ROOM).toBe('directory')
    expect(parseRoom(V1_DIRECTORY_ROOM)).toBeNull()
  })

  it('rejects names formatRoom would never make', () => {
    const [a, b] = sortedPair()
    const g = randomId()
    const rejected = [
      '',
      '/',
      'Directory',
      'directory/',
      'user',
      'user/',
      `user/${a}/x`,
      'user/not-an-id',
      'directory',
      'profile',
      'profile/',
      `profile/${a}/x`,
      `profile/${a}/0`,
      'profile/not-an-id',
      `Profile/${a}`,
      `profiles/${a}`,
      'mux',
      '/directory',
      '../directory',
      'directory/0',
      `dm/${b}/${a}`, // unsorted
      `dm/${b}/${a}/0`,
      `dm/${a}/${a}`, // the same id twice
      `dm/${a}`,
      `dm/${a}/`,
      `dm/${a}/${b}/`,
      `dm/${a}/${b}/01`, // leading zero
      `dm/${a}/${b}/00`,
      `dm/${a}/${b}/-1`,
      `dm/${a}/${b}/+1`,
      `dm/${a}/${b}/1.5`,
      `dm/${a}/${b}/1e3`,
      `dm/${a}/${b}/ 1`,
      `dm/${a}/${b}/${MAX_BUCKET + 1}`,
      `dm/${a}/${b}/99999999`,
      `dm/${a}/${b}/1/2`, // extra segments
      `dm/${a}/${b}/x`,
      `dm/${a}/../${b}`,
      `dm//${a}/${b}`,
      `group`,
      `group/`,
      `group/${g}/`,
      `group/${g}/0/messages`,
      `group/${g}/../${g}`,
      `group/../${g}`,
      `group/${g.slice(0, 21)}%41`, // percent-escape of an id character
      `group/%2e%2e`,
      `dm/${encodeURIComponent(a)}%2F${b}`,
      `group/${g.slice(0, 21)}`, // bad ids
      `group/${g}x`,
      `group/${g.slice(0, 21)}+`,
      `dm/nobody/${b}`,
      `Group/${g}`,
      `channel/${g}`,
      `${g}`
    ]
    for (const name of rejected) expect(parseRoom(name), name).toBeNull()
  })
})
