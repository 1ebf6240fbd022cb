// What a person is told when something fails: an error thrown, or a change the relay refused.

/** An error's message, for a person to read (whatever was thrown, not only Errors). */
export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

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
