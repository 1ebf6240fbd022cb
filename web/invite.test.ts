// @vitest-environment happy-dom
// The invitation offered to an invite-only relay: a link's wins and is kept; a kept one survives a plain visit.
import { beforeEach, describe, expect, it } from 'vitest'
import { currentInvite, needsInvite, saveInvite } from './invite'

beforeEach(() => { localStorage.clear() })

describe('currentInvite', () => {
  it('takes the link\'s invitation, keeps it for a later plain visit, and lets a newer link replace it', () => {
    expect(currentInvite('https://chat.example.org/')).toBe('')
    expect(currentInvite('https://chat.example.org/?invite=%20abc%20')).toBe('abc')
    expect(currentInvite('https://chat.example.org/')).toBe('abc')
    expect(currentInvite('https://chat.example.org/?invite=def')).toBe('def')
    expect(currentInvite('https://chat.example.org/?invite=')).toBe('def')
  })
})

describe('saveInvite', () => {
  it('keeps a typed invitation trimmed, and forgets it when cleared', () => {
    saveInvite('  typed ')
    expect(currentInvite('https://chat.example.org/')).toBe('typed')
    saveInvite('   ')
    expect(currentInvite('https://chat.example.org/')).toBe('')
  })
})

describe('needsInvite', () => {
  it('is true only for refusals an invitation can fix', () => {
    expect(['invite-required', 'bad-invite', 'expired-invite'].map(needsInvite)).toEqual([true, true, true])
    expect([null, 'bad-token', 'banned'].map(needsInvite)).toEqual([false, false, false])
  })
})
