// Where each entity lives inside its Yjs document (see docs/architecture.md).
import type * as Y from 'yjs'
import type { Parsed } from './model'
import { MAX_BUCKET } from './protocol'
import { isTimestamp } from './time'

/** The directory document: every user's profile and every group, keyed by id. */
export const directoryUsers = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('users')
export const directoryGroups = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('groups')

/**
 * A conversation's own document: the index of its buckets (bucket number as a decimal
 * string → { created_at }). Keys are only ever added, so the newest bucket is the largest key.
 */
export const conversationBuckets = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('buckets')

/** A bucket document: up to about BUCKET_CAPACITY messages keyed by message_id. */
export const bucketMessages = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('messages')

export interface BucketEntry {
  bucket: number
  created_at: string
}

/** Validates an entry of a conversation's bucket index. */
export const parseBucketEntry = (value: unknown, key: string): Parsed<BucketEntry> => {
  const bucket = /^(0|[1-9]\d{0,6})$/.test(key) ? Number(key) : Number.NaN
  if (!(bucket <= MAX_BUCKET)) return { ok: false, reason: 'bad-id' }
  const created_at = (value as { created_at?: unknown } | null)?.created_at
  if (!isTimestamp(created_at)) return { ok: false, reason: 'bad-timestamp' }
  return { ok: true, value: { bucket, created_at } }
}
