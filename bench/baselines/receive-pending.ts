// Baseline (before the receive path applied changes): whether a message is pending, read off the documents once per shown message.
import type { Conversation } from '../../client/conversation/conversation'
import type { ConversationBuckets } from '../../client/conversation/buckets'
import type { OutgoingMessages } from '../../client/conversation/outgoing'
import type { ConversationContext } from '../../client/conversation/conversation'
import { bucketMessages } from '../../shared/schema'
import { entryItem } from '../../shared/yjs-internals'

/*
 * NOTE: Conversation.isPending and ConversationBuckets.isUnconfirmed as they were, kept only as
 * the `receive` benchmark's baseline; never used by the product. The view called this once per
 * message on screen after every change. It reads the conversation's private parts (TypeScript's
 * bracket access) because they no longer carry this scan. Do not fix it, or the baseline stops
 * being the old receive path.
 */

const isUnconfirmed = (buckets: ConversationBuckets, context: ConversationContext, message_id: string): boolean | undefined => {
  for (const bucket of buckets.all()) {
    const message = bucket.messages.get(message_id)
    if (!message) continue
    // Others' messages came from the relay; one's own are pending only while the outbox holds their room.
    if (message.sender_id !== context.me.user_id) return false
    const baseline = context.outbox.baseline(bucket.replica.room)
    if (baseline === null) return false
    const id = entryItem(bucketMessages(bucket.replica.doc), message_id)?.id
    if (id === undefined) return true
    if (id.clock < (baseline.get(id.client) ?? 0)) return false
    return bucket.replica.link.acknowledged(id.client) <= id.clock
  }
  return undefined
}

export const isPendingBefore = (conversation: Conversation, message_id: string): boolean => {
  const outgoing: OutgoingMessages = conversation['outgoing']
  return outgoing.has(message_id) || (isUnconfirmed(conversation['buckets'], conversation['context'], message_id) ?? false)
}
