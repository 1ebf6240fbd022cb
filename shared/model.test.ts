// The entity parsers: valid entities pass, every kind of malformed or forged entity is rejected with its reason.
import { beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, type Identity } from './identity'
import { randomId } from './ids'
import { LIMITS, parseActiveUser, parseGroup, parseMessage, parseUser } from './model'

const T = '2024-05-01T12:00:00.000Z'
const LATER = '2024-05-01T12:30:00.250Z'

/** Values that are not a plain record, each of which every parser must turn away. */
const NOT_OBJECTS: unknown[] = [null, undefined, 42, 'text', true, [], [{ user_id: randomId() }], () => {}]

/** Timestamps that are not exactly what Date.prototype.toISOString() prints. */
const BAD_TIMESTAMPS: unknown[] = [
  '2024-13-45T00:00:00.000Z', // no such month or day
  '2024-02-30T00:00:00.000Z', // a day February does not have: Date rolls it into March
  '2024-01-01T24:00:00.000Z', // 24:00 is the next day's 00:00
  '2024-05-01', // no time
  '2024-05-01T12:00:00Z', // no milliseconds
  '2024-05-01T12:00:00.000+01:00', // not UTC
  '2024-05-01 12:00:00.000Z',
  'yesterday',
  '',
  Date.parse(T), // a number
  new Date(T), // a Date object, not its string
  undefined
]

const BAD_IDS: unknown[] = [
  'short',
  'A'.repeat(21),
  'A'.repeat(23),
  'AAAAAAAAAAAAAAAAAAAA+/', // base64, not base64url
  'AAAAAAAAAAAAAAAAAAAAA=',
  '../AAAAAAAAAAAAAAAAAAA',
  123,
  null,
  undefined
]

let ada: Identity
let bob: Identity
beforeAll(async () => { [ada, bob] = await Promise.all([createIdentity(), createIdentity()]) })

const userOf = (identity: Identity, overrides: Record<string, unknown> = {}) => ({
  user_id: identity.user_id,
  name: 'Ada',
  public_key: identity.public_key,
  created_at: T,
  updated_at: LATER,
  deleted_at: null,
  ...overrides
})

const groupOf = (overrides: Record<string, unknown> = {}) => {
  const [a, b, c] = [randomId(), randomId(), randomId()]
  return {
    group_id: randomId(),
    name: 'Reading club',
    user_ids: [a, b, c],
    admin_ids: [a],
    created_by: a,
    created_at: T,
    updated_at: LATER,
    deleted_at: null,
    ...overrides
  }
}

const directMessage = (overrides: Record<string, unknown> = {}) => ({
  message_id: randomId(),
  sender_id: randomId(),
  receiver_id: randomId(),
  group_id: null,
  content: 'hello',
  created_at: T,
  updated_at: T,
  deleted_at: null,
  // The shape of a signature only: whether it verifies is shared/message-signature.ts's to say.
  signature: 'S'.repeat(85) + 'w',
  ...overrides
})

const groupMessage = (overrides: Record<string, unknown> = {}) =>
  directMessage({ receiver_id: null, group_id: randomId(), ...overrides })

describe('parseUser', () => {
  it('accepts a profile whose id is derived from its public key', () => {
    const user = userOf(ada)
    expect(parseUser(user)).toEqual({ ok: true, value: user })
    expect(parseUser(user, ada.user_id)).toEqual({ ok: true, value: user })
    expect(parseUser(userOf(ada, { deleted_at: LATER })).ok).toBe(true)
  })

  it('rejects what is not a record', () => {
    for (const input of NOT_OBJECTS) expect(parseUser(input)).toEqual({ ok: false, reason: 'not-an-object' })
  })

  it('rejects malformed ids, and a profile stored under another key', () => {
    for (const user_id of BAD_IDS) expect(parseUser(userOf(ada, { user_id }))).toEqual({ ok: false, reason: 'bad-id' })
    expect(parseUser(userOf(ada), bob.user_id)).toEqual({ ok: false, reason: 'id-mismatch' })
  })

  it('rejects a profile claiming an id its public key does not hash to', () => {
    // Bob publishing his own key under Ada's id, and Ada's key under Bob's id.
    expect(parseUser(userOf(ada, { public_key: bob.public_key }))).toEqual({ ok: false, reason: 'bad-key' })
    expect(parseUser(userOf(bob, { user_id: ada.user_id }), ada.user_id)).toEqual({ ok: false, reason: 'bad-key' })
    for (const public_key of [undefined, null, '', ada.public_key.slice(1), `${ada.public_key}A`, '!'.repeat(43), 42]) {
      expect(parseUser(userOf(ada, { public_key }))).toEqual({ ok: false, reason: 'bad-key' })
    }
  })

  it('rejects empty, blank and too long names', () => {
    expect(parseUser(userOf(ada, { name: 'x'.repeat(LIMITS.nameLength) })).ok).toBe(true)
    for (const name of ['', '   ', 'x'.repeat(LIMITS.nameLength + 1), 7, null, undefined]) {
      expect(parseUser(userOf(ada, { name }))).toEqual({ ok: false, reason: 'bad-name' })
    }
  })

  it('rejects bad timestamps in any of its three timestamp fields', () => {
    for (const bad of BAD_TIMESTAMPS) {
      expect(parseUser(userOf(ada, { created_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
      expect(parseUser(userOf(ada, { updated_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
      expect(parseUser(userOf(ada, { deleted_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
    }
  })

  it('drops unknown fields', () => {
    const parsed = parseUser({ ...userOf(ada), admin: true, avatar: 'x.png' })
    expect(parsed).toEqual({ ok: true, value: userOf(ada) })
    expect(Object.keys(parsed.ok ? parsed.value : {})).not.toContain('admin')
  })
})

describe('parseGroup', () => {
  it('accepts a group, copying its member lists', () => {
    const group = groupOf()
    const parsed = parseGroup(group, group.group_id)
    expect(parsed).toEqual({ ok: true, value: group })
    if (!parsed.ok) return
    // The parsed value does not share arrays with the foreign input.
    group.user_ids.push(randomId())
    expect(parsed.value.user_ids).toHaveLength(3)
  })

  it('rejects what is not a record', () => {
    for (const input of NOT_OBJECTS) expect(parseGroup(input)).toEqual({ ok: false, reason: 'not-an-object' })
  })

  it('rejects malformed ids, and a group stored under another key', () => {
    for (const bad of BAD_IDS) {
      expect(parseGroup(groupOf({ group_id: bad }))).toEqual({ ok: false, reason: 'bad-id' })
      expect(parseGroup(groupOf({ created_by: bad }))).toEqual({ ok: false, reason: 'bad-id' })
    }
    expect(parseGroup(groupOf(), randomId())).toEqual({ ok: false, reason: 'id-mismatch' })
  })

  it('rejects bad names', () => {
    for (const name of ['', ' ', 'x'.repeat(LIMITS.nameLength + 1), undefined]) {
      expect(parseGroup(groupOf({ name }))).toEqual({ ok: false, reason: 'bad-name' })
    }
  })

  it('rejects duplicate or malformed member ids, admins who are not members, and too many members', () => {
    const a = randomId()
    const b = randomId()
    const cases: Array<Record<string, unknown>> = [
      { user_ids: [a, b, a], admin_ids: [a] },
      { user_ids: [a, b], admin_ids: [a, a] },
      { user_ids: [a, b], admin_ids: [randomId()] },
      { user_ids: [a, 'not-an-id'], admin_ids: [a] },
      { user_ids: [a, 42], admin_ids: [a] },
      { user_ids: a, admin_ids: [a] },
      { user_ids: [a], admin_ids: undefined },
      { user_ids: [], admin_ids: [] }, // a group always keeps an admin
      { user_ids: [a, b], admin_ids: [] },
      { user_ids: { 0: a, length: 1 }, admin_ids: [a] }
    ]
    for (const members of cases) expect(parseGroup(groupOf(members))).toEqual({ ok: false, reason: 'bad-members' })

    const many = Array.from({ length: LIMITS.groupMembers + 1 }, () => randomId())
    expect(parseGroup(groupOf({ user_ids: many.slice(0, -1), admin_ids: [many[0]] })).ok).toBe(true)
    expect(parseGroup(groupOf({ user_ids: many, admin_ids: [many[0]] }))).toEqual({ ok: false, reason: 'bad-members' })
  })

  it('rejects bad timestamps', () => {
    for (const bad of BAD_TIMESTAMPS) {
      expect(parseGroup(groupOf({ created_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
      expect(parseGroup(groupOf({ deleted_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
    }
  })

  it('drops unknown fields', () => {
    const group = groupOf()
    expect(parseGroup({ ...group, owner_ids: [randomId()], secret: 1 })).toEqual({ ok: true, value: group })
  })
})

describe('parseMessage', () => {
  it('accepts direct and group messages, live and deleted', () => {
    for (const message of [directMessage(), groupMessage(), directMessage({ content: '', deleted_at: LATER, updated_at: LATER })]) {
      expect(parseMessage(message, message.message_id)).toEqual({ ok: true, value: message })
    }
  })

  it('rejects what is not a record', () => {
    for (const input of NOT_OBJECTS) expect(parseMessage(input)).toEqual({ ok: false, reason: 'not-an-object' })
  })

  it('rejects malformed ids, and a message stored under another key', () => {
    for (const bad of BAD_IDS) {
      expect(parseMessage(directMessage({ message_id: bad }))).toEqual({ ok: false, reason: 'bad-id' })
      expect(parseMessage(directMessage({ sender_id: bad }))).toEqual({ ok: false, reason: 'bad-id' })
    }
    expect(parseMessage(directMessage(), randomId())).toEqual({ ok: false, reason: 'id-mismatch' })
  })

  it('needs exactly one of receiver_id and group_id', () => {
    const cases: Array<Record<string, unknown>> = [
      { receiver_id: randomId(), group_id: randomId() },
      { receiver_id: null, group_id: null },
      { receiver_id: undefined, group_id: undefined },
      { receiver_id: randomId(), group_id: undefined },
      { receiver_id: 'nobody', group_id: null },
      { receiver_id: null, group_id: 'no-group' }
    ]
    for (const recipient of cases) {
      expect(parseMessage(directMessage(recipient))).toEqual({ ok: false, reason: 'bad-recipient' })
    }
  })

  it('rejects bad timestamps', () => {
    for (const bad of BAD_TIMESTAMPS) {
      expect(parseMessage(directMessage({ created_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
      expect(parseMessage(groupMessage({ updated_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
      expect(parseMessage(directMessage({ content: '', deleted_at: bad }))).toEqual({ ok: false, reason: 'bad-timestamp' })
    }
  })

  it('rejects empty, blank or too long content on a live message', () => {
    expect(parseMessage(directMessage({ content: 'x'.repeat(LIMITS.contentLength) })).ok).toBe(true)
    expect(parseMessage(directMessage({ content: 'emoji 😀 kept whole' })).ok).toBe(true)
    for (const content of ['', ' \n\t', 'x'.repeat(LIMITS.contentLength + 1), 42, null, undefined, ['hi'], 'half \uD83D', '\uDE00 half']) {
      expect(parseMessage(directMessage({ content }))).toEqual({ ok: false, reason: 'bad-content' })
    }
  })

  it('rejects content kept on a deleted message', () => {
    for (const content of ['still here', ' ']) {
      expect(parseMessage(directMessage({ content, deleted_at: LATER }))).toEqual({ ok: false, reason: 'bad-content' })
    }
  })

  it('needs a signature of the right shape: 64 bytes in base64url', () => {
    const bad: unknown[] = [
      undefined, null, '', 42, 'S'.repeat(85), 'S'.repeat(87), 'S'.repeat(86), // the last character may carry only 2 bits
      'S'.repeat(84) + '+w', 'S'.repeat(84) + '==', { signature: 'S'.repeat(85) + 'w' }
    ]
    for (const signature of bad) expect(parseMessage(directMessage({ signature }))).toEqual({ ok: false, reason: 'bad-signature' })
    for (const last of 'AQgw') expect(parseMessage(directMessage({ signature: '-_'.repeat(42) + 'A' + last })).ok).toBe(true)
  })

  it('drops unknown fields', () => {
    const message = groupMessage()
    expect(parseMessage({ ...message, reactions: ['+1'], html: '<b>hi</b>' })).toEqual({ ok: true, value: message })
  })
})

describe('parseActiveUser', () => {
  it('accepts an awareness state with a user id and keeps only that', () => {
    expect(parseActiveUser({ user_id: ada.user_id, cursor: { x: 1 } })).toEqual({ ok: true, value: { user_id: ada.user_id } })
  })

  it('rejects non-records and bad ids', () => {
    for (const input of NOT_OBJECTS) expect(parseActiveUser(input)).toEqual({ ok: false, reason: 'not-an-object' })
    for (const user_id of BAD_IDS) expect(parseActiveUser({ user_id })).toEqual({ ok: false, reason: 'bad-id' })
    expect(parseActiveUser({})).toEqual({ ok: false, reason: 'bad-id' })
  })
})
