// Why the relay refused something, as typed values: one update, one presence message, a room, or the connection itself.

/** Why the relay refused one update (relay/writes/judge-update.ts); the writer stays in the room. */
export const UPDATE_REFUSALS = [
  // The write rules (relay/writes/write-rules.ts).
  'unknown-entry', 'invalid-value', 'unknown-field', 'not-yours', 'not-an-admin', 'wrong-conversation', 'too-long', 'deleted-for-good',
  // What the update does, as Yjs applies it (relay/writes/update-effect.ts).
  'not-a-map-entry', 'nested-type', 'unsupported-content', 'gc-struct', 'missing-dependencies',
  // What it would cost Yjs (relay/writes/update-cost.ts).
  'skip', 'dependency-cycle', 'clock-overflow', 'subdocument', 'merge-cost', 'too-many-structs', 'unknown-root',
  // The writer's allowances and quotas (relay/writes/write-gate.ts).
  'depends-on-refused-update', 'too-many-client-ids', 'not-your-client-id', 'over-quota', 'bucket-full', 'too-many-refusals'
] as const
export type UpdateRefusal = typeof UPDATE_REFUSALS[number]

/** Why the relay refused one presence (awareness) message (relay/presence/awareness-guard.ts). */
export const PRESENCE_REFUSALS = ['malformed', 'not-your-presence', 'taken-client-id', 'too-many-presence-entries', 'presence-too-large'] as const
export type PresenceRefusal = typeof PRESENCE_REFUSALS[number]

/** Why the relay refused a room (relay/access/room-access.ts), or would not carry one more ('too-many-rooms'). */
export const ROOM_REFUSALS = ['not-the-owner', 'not-a-participant', 'not-a-member', 'no-such-group', 'group-deleted', 'too-many-rooms'] as const
export type RoomRefusal = typeof ROOM_REFUSALS[number]

/** Why the relay refused a connection's credentials (relay/auth/authenticate.ts): the reason of a 4401 close. */
export const AUTH_FAILURES = [
  'no-credentials', 'malformed-token', 'bad-signature', 'wrong-relay', 'wrong-path', 'expired', 'not-yet-valid', 'replayed',
  'invite-required', 'bad-invite', 'expired-invite', 'busy'
] as const
export type AuthFailure = typeof AUTH_FAILURES[number]
/** The failures of reading a token, before its claims are judged (shared/connect-token.ts). */
export type TokenFailure = Extract<AuthFailure, 'malformed-token' | 'bad-signature'>

/** Why the relay refused a client of another protocol version: the reason of a 4426 close (version.ts). */
export const VERSION_REFUSALS = ['relay-newer', 'relay-older'] as const
export type VersionRefusal = typeof VERSION_REFUSALS[number]

/** What a room's permission-denied message says: which kind of thing was refused, and why. */
export type Refusal =
  | { scope: 'update'; reason: UpdateRefusal }
  | { scope: 'presence'; reason: PresenceRefusal }
  | { scope: 'room'; reason: RoomRefusal }

export type RefusalScope = Refusal['scope']

/**
 * How each scope's reasons are written on the wire. NOTE: a room refusal is its bare reason (what
 * y-protocols' permission-denied message has always carried); one update or presence message is
 * prefixed, so that a client never takes it for a refused room.
 */
const PREFIXES: Record<RefusalScope, string> = { update: 'rejected-update:', presence: 'rejected-presence:', room: '' }

const REASONS: { [S in RefusalScope]: ReadonlySet<string> } = {
  update: new Set(UPDATE_REFUSALS),
  presence: new Set(PRESENCE_REFUSALS),
  room: new Set(ROOM_REFUSALS)
}

/** The wire text of a refusal ('rejected-update:not-yours', 'not-a-member'). */
export const formatRefusal = (refusal: Refusal): string => PREFIXES[refusal.scope] + refusal.reason

/** Reads the wire text of a refusal; null for a reason this version does not know. */
export const parseRefusal = (text: string): Refusal | null => {
  for (const scope of ['update', 'presence'] as const) {
    if (!text.startsWith(PREFIXES[scope])) continue
    const reason = text.slice(PREFIXES[scope].length)
    return REASONS[scope].has(reason) ? { scope, reason } as Refusal : null
  }
  return REASONS.room.has(text) ? { scope: 'room', reason: text as RoomRefusal } : null
}

export const isAuthFailure = (reason: string): reason is AuthFailure => (AUTH_FAILURES as readonly string[]).includes(reason)
export const isVersionRefusal = (reason: string): reason is VersionRefusal => (VERSION_REFUSALS as readonly string[]).includes(reason)
