// The invitation for an invite-only relay: from an invitation link (`?invite=`) or typed in, kept until it is used.

const SAVED_KEY = 'parley.invite'

/** The invitation to offer: one in the page's address wins (and is saved), else the saved one. */
export const currentInvite = (pageUrl: string): string => {
  const given = new URL(pageUrl).searchParams.get('invite')?.trim()
  if (given) saveInvite(given)
  return given || (localStorage.getItem(SAVED_KEY) ?? '')
}

export const saveInvite = (invite: string): void => {
  if (invite.trim()) localStorage.setItem(SAVED_KEY, invite.trim())
  else localStorage.removeItem(SAVED_KEY)
}

/** Refusals that an invitation can fix. */
export const needsInvite = (refusal: string | null): boolean =>
  refusal === 'invite-required' || refusal === 'bad-invite' || refusal === 'expired-invite'
