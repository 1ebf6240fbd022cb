// When rewriting a stored document as its current state pays: the relay's store and the client's IndexedDB follow the same rule.

/**
 * How much more than its current state a document's stored updates may hold before they are
 * rewritten. NOTE: a rewrite costs the whole document, so documents that only grow (a bucket of
 * messages: 2–3% of per-update overhead) are left as appended, while one whose entries are
 * overwritten (a conversation's index, one's read marks) is rewritten once its dead values
 * pass this share: space stays within 1 + this of the state, and a rewrite is paid for by at
 * least this share of it in dead bytes.
 */
export const GARBAGE_ALLOWED = 0.2

/** Past this many stored updates a document is rewritten whatever it holds: loading applies each. */
export const MAX_STORED_UPDATES = 4096

export interface StoredDocument {
  /** Bytes of the stored updates. */
  storedBytes: number
  storedUpdates: number
  /** Bytes of the document's current (garbage-collected) state as one update. */
  stateBytes: number
}

export const rewritePays = ({ storedBytes, storedUpdates, stateBytes }: StoredDocument): boolean =>
  storedBytes > stateBytes * (1 + GARBAGE_ALLOWED) || storedUpdates > MAX_STORED_UPDATES
