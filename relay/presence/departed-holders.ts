// Whose an awareness client id stays once it has gone offline: nobody else may take it over while its user may come back.

/** Departed ids kept per user, their newest: a user's reconnects, tabs and devices. */
export const DEPARTED_IDS_PER_USER = 64
/** How long a departed id stays its user's: reconnects come within minutes. */
export const DEPARTED_HOLD_MS = 60 * 60_000

/**
 * NOTE: bounded per user rather than in all, so that nobody can push everyone else's ids out
 * by cycling through fresh ones of their own (and then take one over with a huge clock, which
 * would freeze its user's presence for everyone); in time, so that the directory, which never
 * unloads, does not keep every id it ever saw.
 */
export class DepartedHolders {
  /** In order of departure (an id that departs again moves to the end). */
  private readonly byClient = new Map<number, { user_id: string; at: number }>()
  private readonly byUser = new Map<string, number[]>()

  constructor (private readonly now: () => number = () => performance.now()) {}

  get size (): number { return this.byClient.size }

  /** `client`, held by `user_id`, has gone offline. */
  add (client: number, user_id: string): void {
    this.expire()
    this.delete(client)
    this.byClient.set(client, { user_id, at: this.now() })
    const ids = this.byUser.get(user_id) ?? []
    ids.push(client)
    this.byUser.set(user_id, ids)
    if (ids.length > DEPARTED_IDS_PER_USER) this.delete(ids[0]!)
  }

  /** `client` is online again: its holder is known from that. */
  delete (client: number): void {
    const entry = this.byClient.get(client)
    if (!entry) return
    this.byClient.delete(client)
    const ids = this.byUser.get(entry.user_id)!
    ids.splice(ids.indexOf(client), 1)
    if (ids.length === 0) this.byUser.delete(entry.user_id)
  }

  holderOf (client: number): string | undefined {
    const entry = this.byClient.get(client)
    return entry !== undefined && this.now() - entry.at < DEPARTED_HOLD_MS ? entry.user_id : undefined
  }

  /** Forgets the ids that departed longer than DEPARTED_HOLD_MS ago. */
  expire (): void {
    const now = this.now()
    for (const [client, { at }] of this.byClient) {
      if (now - at < DEPARTED_HOLD_MS) return
      this.delete(client)
    }
  }

  clear (): void {
    this.byClient.clear()
    this.byUser.clear()
  }
}
