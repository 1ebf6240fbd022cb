// Invitations: valid until they expire, and only with the secret of the relay that made them.
import { describe, expect, it } from 'vitest'
import { checkInvite, createInvite, createInviteSecret } from './invites'

describe('invitations', () => {
  const secret = createInviteSecret()
  const now = Date.UTC(2026, 10, 24)

  it('are valid for the relay that sealed them until they expire', () => {
    const code = createInvite(secret, now + 60_000)
    expect(code).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{22}$/)
    expect(checkInvite(secret, code, now)).toBe('valid')
    expect(checkInvite(secret, ` ${code}\n`, now)).toBe('valid')
    expect(checkInvite(secret, code, now + 61_000)).toBe('expired')
  })

  it('are forged when sealed with another secret or changed in any part', () => {
    const code = createInvite(secret, now + 60_000)
    expect(checkInvite(createInviteSecret(), code, now)).toBe('forged')
    const [expiry, random, seal] = code.split('.') as [string, string, string]
    const later = (parseInt(expiry, 36) + 1_000_000).toString(36)
    expect(checkInvite(secret, `${later}.${random}.${seal}`, now)).toBe('forged')
    expect(checkInvite(secret, `${expiry}.${random.replace(/^./, c => c === 'A' ? 'B' : 'A')}.${seal}`, now)).toBe('forged')
    expect(checkInvite(secret, 'hello', now)).toBe('malformed')
  })
})
