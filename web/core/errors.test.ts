// The words a failure is shown in: thrown values of any kind, and the relay's refusals.
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../../client'
import { describeError, describeRejection, describeReverted } from './errors'

describe('describeError', () => {
  it('shows an error\'s message, not its class or stack', () => {
    expect(describeError(new ParleyError('invalid-input', 'a name needs a letter'))).toBe('a name needs a letter')
    expect(describeError(new RangeError('not a relay address'))).toBe('not a relay address')
  })

  it('says that the relay cannot be asked now in a sentence of its own', () => {
    expect(describeError(new ParleyError('unavailable', 'too many searches: try again in a moment'))).toBe('Too many searches: try again in a moment.')
    expect(describeError(new ParleyError('unavailable', 'the relay cannot be reached now'))).toBe('The relay cannot be reached now.')
  })

  it('shows anything else thrown as text', () => {
    expect(describeError('offline')).toBe('offline')
    expect(describeError(undefined)).toBe('undefined')
  })
})

describe('describeRejection', () => {
  it('explains the relay\'s known reasons in words and quotes an unknown one', () => {
    expect(describeRejection('not-an-admin')).toBe('The relay refused your change (only the group\'s admins may make that change); others do not see it.')
    expect(describeRejection('not-yours')).toContain('it was not yours to change')
    expect(describeRejection('something-new')).toContain('the relay said "something-new"')
    expect(describeRejection(null)).toContain('the relay said "refused"')
  })
})

describe('describeReverted', () => {
  it('names what the refused change was to, why, and that the device now shows what everyone sees', () => {
    expect(describeReverted({ room: `group/${'G'.repeat(22)}`, reason: 'not-an-admin', subject: { kind: 'group', group_id: 'G'.repeat(22), name: 'Team' } }))
      .toBe('Your change to the group \'Team\' was refused by the relay: you are no longer an admin. This device now shows what everyone else sees.')
    expect(describeReverted({ room: `profile/${'A'.repeat(22)}`, reason: 'unknown-field', subject: { kind: 'profile' } })).toMatch(/^Your change to your profile was refused by the relay: it holds something this relay does not know/)
    expect(describeReverted({ room: 'x', reason: 'bucket-full', subject: { kind: 'room' } })).toContain('One of your changes was refused by the relay: the relay said "bucket-full"')
  })
})
