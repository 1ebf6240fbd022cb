// What a person is told when something fails: an error thrown, or a change the relay refused.
import type { RevertedChange } from '../../client'
import { ParleyError } from '../../shared/errors'

/** A message as a sentence of its own: a capital first letter, a full stop at the end. */
const asSentence = (text: string): string => {
  const capital = text.charAt(0).toUpperCase() + text.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

/**
 * An error's message, for a person to read (whatever was thrown, not only Errors). The relay
 * being out of reach for now ('unavailable': offline, too many searches) reads as a sentence of
 * its own ("Too many searches: try again in a moment."), since nothing else explains it.
 */
export const describeError = (error: unknown): string => {
  if (error instanceof ParleyError && error.reason === 'unavailable') return asSentence(error.message)
  return error instanceof Error ? error.message : String(error)
}

/** What a person is told when the relay refused one of their changes. */
export const describeRejection = (reason: string | null): string => {
  const why = reason === 'not-an-admin'
    ? 'only the group\'s admins may make that change'
    : reason === 'not-yours' ? 'it was not yours to change'
      : reason === 'deleted-for-good' ? 'it was deleted, and deleted things stay deleted'
        : reason === 'over-quota' ? 'you have stored as much as this relay allows in that place'
          : `the relay said "${reason ?? 'refused'}"`
  return `The relay refused your change (${why}); others do not see it.`
}

/** Why the relay refused a change that this device has since undone, as the end of a sentence. */
const revertedWhy = ({ reason, subject }: RevertedChange): string => {
  switch (reason) {
    case 'not-an-admin': return subject.kind === 'group' ? 'you are no longer an admin' : 'only the group\'s admins may make that change'
    case 'not-yours': return 'it was not yours to change'
    case 'deleted-for-good': return 'it was deleted, and deleted things stay deleted'
    case 'over-quota': return 'you have stored as much as this relay allows in that place'
    case 'unknown-field': return 'it holds something this relay does not know (is the app newer than the relay?)'
    case 'invalid-value': return 'the relay found it invalid'
    default: return `the relay said "${reason}"`
  }
}

/** What a person is told once a refused change of theirs has been undone on this device. */
export const describeReverted = (change: RevertedChange): string => {
  const { subject } = change
  const what = subject.kind === 'group'
    ? subject.name === null ? 'Your change to a group' : `Your change to the group '${subject.name}'`
    : subject.kind === 'profile' ? 'Your change to your profile'
      : subject.kind === 'conversation' ? 'Your change in a conversation' : 'One of your changes'
  return `${what} was refused by the relay: ${revertedWhy(change)}. This device now shows what everyone else sees.`
}
