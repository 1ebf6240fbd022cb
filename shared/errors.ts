// Errors the Parley API throws, each carrying a machine-readable reason.

export type ParleyErrorReason =
  | 'invalid-input'
  | 'not-allowed'
  | 'not-found'
  | 'closed'
  /** The relay cannot be asked now (offline, or asked too often): trying again later may work. */
  | 'unavailable'

export class ParleyError extends Error {
  constructor (
    readonly reason: ParleyErrorReason,
    message: string,
    /** The relay's own word for it, where it gave one (e.g. a SearchRefusal: 'list-off', 'search-off'). */
    readonly detail: string | null = null
  ) {
    super(message)
    this.name = 'ParleyError'
  }
}
