// What the log marks on messages: which are still on their way to the relay, and which have just arrived from others.
import type { Conversation, Message } from '../../client'

/** The ids of `messages` the relay has not written yet (own messages only): shown as sending. */
export const pendingIds = (conversation: Pick<Conversation, 'isPending'>, messages: readonly Message[]): ReadonlySet<string> =>
  new Set(messages.filter(message => conversation.isPending(message.message_id)).map(message => message.message_id))

/**
 * Tells, read after read of one conversation, which messages arrived from others since it was
 * shown. NOTE: the history there on opening was not "received" now; what comes afterwards was.
 */
export class Arrivals {
  readonly #seen = new Set<string>()
  #first = true

  constructor (private readonly me: string | null) {}

  /** Of `messages` (a read of the conversation), those new since the last read and not one's own. */
  sift (messages: readonly Message[]): Message[] {
    const arrived = messages.filter(message => !this.#seen.has(message.message_id) && message.sender_id !== this.me)
    for (const message of messages) this.#seen.add(message.message_id)
    if (!this.#first) return arrived
    this.#first = false
    return []
  }
}
