// The presence a connection may publish: its own user's states only, under client ids nobody else holds, a few per room; in a profile room, its owner's only.
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { judgePresence, readAwarenessUpdate, type AwarenessEntry, type PresenceContext } from './awareness-guard'

const ADA = 'A'.repeat(22)
const EVE = 'E'.repeat(22)

/** Eve's connection in a room where client 1 is Ada's, with none of its own yet; `only` for a profile room. */
const context = (fields: Partial<PresenceContext> = {}): PresenceContext => ({
  user_id: EVE,
  own: new Set(),
  holderOf: client => client === 1 ? ADA : undefined,
  maxEntries: 2,
  ...fields
})

const entry = (client: number, state: Record<string, unknown> | null, clock = 1): AwarenessEntry => ({ client, clock, state })

/** y-protocols' awareness update, written by hand: any state text, even one no client would send. */
const update = (entries: Array<[client: number, clock: number, state: string]>): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, entries.length)
  for (const [client, clock, state] of entries) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
})

describe('judgePresence', () => {
  it('lets a connection publish, change and end its own user\'s state under a client id of its own', () => {
    expect(judgePresence([entry(7, { user_id: EVE })], context())).toBeNull()
    expect(judgePresence([entry(7, { user_id: EVE, typing: true }, 2)], context({ own: new Set([7]) }))).toBeNull()
    expect(judgePresence([entry(7, null, 3)], context({ own: new Set([7]) }))).toBeNull()
  })

  it('refuses a state in someone else\'s name, and any entry under a client id someone else holds', () => {
    expect(judgePresence([entry(7, { user_id: ADA })], context())).toBe('not-your-presence')
    expect(judgePresence([entry(7, { name: 'Eve' })], context())).toBe('not-your-presence')
    // Ada's id, at a clock she will never reach, with a state or with none: her state would freeze for everyone.
    expect(judgePresence([entry(1, { user_id: EVE }, 2 ** 40)], context())).toBe('taken-client-id')
    expect(judgePresence([entry(1, null, 2 ** 40)], context())).toBe('taken-client-id')
    // One forged entry refuses the whole update.
    expect(judgePresence([entry(7, { user_id: EVE }), entry(8, { user_id: ADA })], context())).toBe('not-your-presence')
  })

  it('in a profile room, refuses every state but its owner\'s, even one\'s own', () => {
    const adaProfile = { only: ADA }
    expect(judgePresence([entry(7, { user_id: EVE })], context(adaProfile))).toBe('not-your-presence')
    expect(judgePresence([entry(7, { user_id: ADA })], context(adaProfile))).toBe('not-your-presence')
    // Not even a removal, under her client id or any other (the relay would remember each).
    expect(judgePresence([entry(1, null, 2 ** 40)], context(adaProfile))).toBe('not-your-presence')
    expect(judgePresence([entry(9, null, 2 ** 40)], context(adaProfile))).toBe('not-your-presence')
    // Ada herself, in her own profile room.
    expect(judgePresence([entry(2, { user_id: ADA })], context({ ...adaProfile, user_id: ADA, holderOf: () => ADA }))).toBeNull()
    // Eve in hers.
    expect(judgePresence([entry(7, { user_id: EVE })], context({ only: EVE }))).toBeNull()
  })

  it('refuses more client ids than a connection may hold in a room; those it holds count once', () => {
    expect(judgePresence([7, 8, 9].map(client => entry(client, { user_id: EVE })), context())).toBe('too-many-presence-entries')
    expect(judgePresence([entry(9, { user_id: EVE })], context({ own: new Set([7, 8]) }))).toBe('too-many-presence-entries')
    expect(judgePresence([entry(7, { user_id: EVE }, 2), entry(8, { user_id: EVE }, 2)], context({ own: new Set([7, 8]) }))).toBeNull()
  })
})

describe('readAwarenessUpdate', () => {
  it('reads each entry\'s client, clock and state; null for anything else', () => {
    expect(readAwarenessUpdate(update([[7, 1, JSON.stringify({ user_id: EVE })], [8, 2, 'null']])))
      .toEqual([entry(7, { user_id: EVE }), entry(8, null, 2)])
    expect(readAwarenessUpdate(update([[7, 1, '[1]']]))).toBeNull()
    expect(readAwarenessUpdate(update([[7, 1, '42']]))).toBeNull()
    expect(readAwarenessUpdate(update([[7, 1, '{']]))).toBeNull()
    expect(readAwarenessUpdate(update([[7, 1, JSON.stringify({ user_id: EVE, pad: 'x'.repeat(1100) })]]))).toBeNull()
    // Bytes after the last entry, or fewer entries than announced.
    expect(readAwarenessUpdate(Uint8Array.of(...update([[7, 1, 'null']]), 0))).toBeNull()
    expect(readAwarenessUpdate(update([[7, 1, 'null']]).subarray(0, 3))).toBeNull()
  })
})
