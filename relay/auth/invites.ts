// Invitation codes for an invite-only relay: an expiry and a random part, sealed with the relay's secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/*
 * NOTE: invitations are stateless: the relay keeps no list, it checks the seal. A code works
 * for any number of newcomers until it expires (a team link); each newcomer needs it only
 * once, since the relay then remembers them (admissions.ts).
 */
const CODE_PATTERN = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]{22})$/

const seal = (secret: Uint8Array, body: string): string =>
  createHmac('sha256', secret).update(`parley/invite/v1\0${body}`).digest().subarray(0, 16).toString('base64url')

/** An invitation valid until `expiresAt` (ms since the epoch), e.g. `m5k2x1.Xf3…​.Qa9…`. */
export const createInvite = (secret: Uint8Array, expiresAt: number): string => {
  const body = `${Math.ceil(expiresAt / 1000).toString(36)}.${randomBytes(8).toString('base64url')}`
  return `${body}.${seal(secret, body)}`
}

export type InviteVerdict = 'valid' | 'malformed' | 'forged' | 'expired'

export const checkInvite = (secret: Uint8Array, code: string, now = Date.now()): InviteVerdict => {
  const match = CODE_PATTERN.exec(code.trim())
  if (!match) return 'malformed'
  const [, expiry, random] = match as unknown as [string, string, string, string]
  const expected = Buffer.from(seal(secret, `${expiry}.${random}`))
  const given = Buffer.from(match[3]!)
  if (!timingSafeEqual(expected, given)) return 'forged'
  return parseInt(expiry, 36) * 1000 > now ? 'valid' : 'expired'
}

/** A new random secret for sealing invitations. */
export const createInviteSecret = (): Uint8Array => new Uint8Array(randomBytes(32))
