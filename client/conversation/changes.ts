// What a conversation tells its subscribers changed, so that a view applies it instead of reading its pages again.

/** Messages of one bucket whose shown version may have changed. */
export interface MessageChanges {
  readonly bucket: number
  /** Placed in the history for the first time: received, sent here, or in a bucket just loaded. */
  readonly added: readonly string[]
  /** A new version, or the current one's signature decided: what is shown may differ, or vanish if it is forged. */
  readonly changed: readonly string[]
  /** No longer in the history (gone, or invalid now). */
  readonly removed: readonly string[]
}

export interface ConversationChange {
  /** Messages that changed, by bucket; empty when only something else did (typing, the list's activity, a link's status). */
  readonly messages: readonly MessageChanges[]
  /** Messages whose pending state changed (see Conversation.isPending). */
  readonly pending: readonly string[]
}

export const NO_CHANGE: ConversationChange = { messages: [], pending: [] }
