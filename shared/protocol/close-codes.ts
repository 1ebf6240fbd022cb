// Every way the relay closes a socket: the code, the reason sent with it, and what a person is told, in one table.
import type { AuthFailure, RoomRefusal, VersionRefusal } from './refusals'

/**
 * Close codes by name. NOTE: the upstream provider stops reconnecting on 4400–4499
 * ("reconnecting can't fix this"), and retries on everything else, 4500–4599 included.
 */
export const CloseCode = {
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  messageTooBig: 1009,
  internalError: 1011,
  badMessage: 4400,
  /** The connection's credentials were refused; the reason is an AuthFailure. */
  unauthorized: 4401,
  /** The connection may not be in this room (a one-room socket). */
  forbidden: 4403,
  /** The client speaks another protocol version (version.ts); the reason says which side is newer. */
  versionMismatch: 4426,
  /** Sent more, or cost more CPU, than a connection may (see the relay's limits). */
  rateLimited: 4429,
  storageFailure: 4503,
  /** Read too slowly: the relay dropped it rather than buffer without bound (reconnecting is fine). */
  tooSlow: 4508
} as const

export type CloseCodeName = keyof typeof CloseCode

/** Closes after which a client stops reconnecting until the person acts (an invitation, a reload, going online again). */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.unauthorized, CloseCode.forbidden, CloseCode.versionMismatch])

interface CloseRow {
  code: CloseCodeName
  /** What a person is told. */
  text: string
}

/**
 * Each close reason the relay sends, with its code and its words for a person. 1002 and 1009
 * come from the WebSocket library with reasons of its own: their rows name the case. NOTE: the
 * reasons are stable machine values; two older ones that tests and logs rely on ('too slow to
 * keep up', 'too many frames while paused') keep their spelling.
 */
export const CLOSE_REASONS = {
  'relay-shutting-down': { code: 'goingAway', text: 'The relay is restarting.' },
  'invalid-frame': { code: 'protocolError', text: 'The relay could not read a WebSocket frame.' },
  'binary-frames-only': { code: 'unsupportedData', text: 'The relay takes binary frames only.' },
  'frame-too-big': { code: 'messageTooBig', text: 'A message was larger than the relay accepts.' },
  'internal-error': { code: 'internalError', text: 'The relay ran into an error of its own.' },

  malformed: { code: 'badMessage', text: 'The relay could not read a message from this client.' },
  'unknown-message-type': { code: 'badMessage', text: 'This client sent a kind of message the relay does not know.' },
  'unknown-room': { code: 'badMessage', text: 'This client asked for a room that cannot exist.' },
  'too-many-rooms-on-socket': { code: 'badMessage', text: 'This client asked for more rooms than one connection may hold.' },
  'not-joined': { code: 'badMessage', text: 'This client wrote to a room it had not joined.' },
  'too-many-early-frames': { code: 'badMessage', text: 'This client sent too much before its room was ready.' },
  'rejected-update': { code: 'badMessage', text: 'This client sent an update that could not be read.' },
  'too-many-rejected-updates': { code: 'badMessage', text: 'The relay refused too many of this client\'s changes.' },
  'missing-dependencies': { code: 'badMessage', text: 'This client sent changes that depend on changes that never came.' },

  'no-credentials': { code: 'unauthorized', text: 'No credentials: connect with a Parley client.' },
  'malformed-token': { code: 'unauthorized', text: 'The connection token could not be read.' },
  'bad-signature': { code: 'unauthorized', text: 'The connection token is not signed by its key.' },
  'wrong-relay': { code: 'unauthorized', text: 'The connection token was made for another relay.' },
  'wrong-path': { code: 'unauthorized', text: 'The connection token was made for another address.' },
  expired: { code: 'unauthorized', text: 'The connection token has expired. Is this device\'s clock right?' },
  'not-yet-valid': { code: 'unauthorized', text: 'The connection token is from the future. Is this device\'s clock right?' },
  replayed: { code: 'unauthorized', text: 'The connection token was used before.' },
  'invite-required': { code: 'unauthorized', text: 'This relay is invite-only: enter an invitation.' },
  'bad-invite': { code: 'unauthorized', text: 'The invitation is not valid for this relay.' },
  'expired-invite': { code: 'unauthorized', text: 'The invitation has expired.' },
  busy: { code: 'unauthorized', text: 'The relay is busy. Try again shortly.' },

  'not-the-owner': { code: 'forbidden', text: 'This room belongs to someone else.' },
  'not-a-participant': { code: 'forbidden', text: 'This conversation is between two other people.' },
  'not-a-member': { code: 'forbidden', text: 'You are not a member of this group.' },
  'no-such-group': { code: 'forbidden', text: 'There is no such group.' },
  'group-deleted': { code: 'forbidden', text: 'This group was deleted.' },
  'too-many-rooms': { code: 'forbidden', text: 'You are in as many rooms as this relay allows at once.' },

  'relay-newer': { code: 'versionMismatch', text: 'This relay runs a newer Parley: reload the page.' },
  'relay-older': { code: 'versionMismatch', text: 'This relay runs an older Parley: this page cannot talk to it until the relay is updated.' },

  'too-costly': { code: 'rateLimited', text: 'This client cost the relay more than it allows; reconnecting.' },
  'too many frames while paused': { code: 'rateLimited', text: 'This client sent more than the relay allows while it was slowed down.' },

  'storage-failure': { code: 'storageFailure', text: 'The relay could not store a change; try again later.' },
  'room-unloadable': { code: 'storageFailure', text: 'The relay could not load a room; try again later.' },

  'too slow to keep up': { code: 'tooSlow', text: 'The connection was too slow to keep up; reconnecting.' },
  'send-timeout': { code: 'tooSlow', text: 'The connection stopped taking messages in time; reconnecting.' }
} as const satisfies Record<string, CloseRow>

export type CloseReason = keyof typeof CLOSE_REASONS

// NOTE: every reason a client may be refused with at the door has its row (checked by the compiler).
type Covers<T extends CloseReason> = T
export type _ClosesCoverRefusals = Covers<AuthFailure | RoomRefusal | VersionRefusal>

/** The code a reason is sent with. */
export const closeCodeOf = (reason: CloseReason): number => CloseCode[CLOSE_REASONS[reason].code]

export const isCloseReason = (reason: string): reason is CloseReason => Object.hasOwn(CLOSE_REASONS, reason)

/** What a client makes of a close: the table's reason (null when it is not one), the words to show, and whether to stop reconnecting. */
export interface ReadClose {
  code: number
  reason: CloseReason | null
  text: string
  final: boolean
}

/** Reads a close as a client sees it (code and reason of the CloseEvent). */
export const readClose = (code: number, reason: string): ReadClose => {
  const final = FINAL_CLOSE_CODES.has(code)
  if (isCloseReason(reason) && closeCodeOf(reason) === code) return { code, reason, text: CLOSE_REASONS[reason].text, final }
  return { code, reason: null, text: `The relay closed the connection (${code}${reason ? `: ${reason}` : ''}).`, final }
}

/** The words for a reason a client holds (a close reason or a room refusal), or a plain fallback. */
export const closeText = (reason: string): string =>
  isCloseReason(reason) ? CLOSE_REASONS[reason].text : `The relay refused the connection (${reason}).`
