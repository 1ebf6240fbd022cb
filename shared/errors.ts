// Errors the Parley API throws, each carrying a machine-readable reason.

export type ParleyErrorReason =
  | 'invalid-input'
  | 'not-allowed'
  | 'not-found'
  | 'closed'

export class ParleyError extends Error {
  constructor (readonly reason: ParleyErrorReason, message: string) {
    super(message)
    this.name = 'ParleyError'
  }
}
