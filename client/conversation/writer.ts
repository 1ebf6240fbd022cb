// Writing to a conversation: sending (shown at once, signed and written in batches), editing and deleting one's own messages.
import type { Identity } from '../../shared/identity'
import { ParleyError } from '../../shared/errors'
import { randomId } from '../../shared/ids'
import type { UnsignedMessage } from '../../shared/message-signature'
import type { Message } from '../../shared/model'
import { BUCKET_CAPACITY, type ConversationRef } from '../../shared/protocol'
import { bucketMessages, conversationActivity, type ActivityEntry } from '../../shared/schema'
import { timestamp, type Clock } from '../../shared/time'
import type { Outbox } from '../outbox'
import type { OutgoingMessages, Outgoing } from './outgoing'
import { assertContent, signActivityOf, signMessages, signWrite, withoutSignature, type StoredActivity } from './own-writes'
import type { Replica } from '../replica'
import type { VerifiedMap } from '../views/verified-map'
import type { ConversationBuckets, LoadedBucket } from './buckets'
import type { ConversationChange, MessageChanges } from './changes'
import type { Timeline } from './timeline'

export interface WriterContext {
  readonly me: Identity
  readonly clock: Clock
  readonly outbox: Outbox
  /** Told after one's own message is written: the conversation joins one's list (and the other person's). */
  noteSent(ref: ConversationRef): void
  /** Something shown changed: messages placed, or dropped (with their pending state). */
  onChange(change: Partial<ConversationChange>): void
  assertOpen(): void
}

/**
 * The change of taking these placeholders out, no longer outgoing: replaced by their written
 * version when it went to the same bucket (`writtenTo`), otherwise removed from theirs.
 */
const unplaced = (batch: readonly Outgoing[], writtenTo?: number): Partial<ConversationChange> => {
  const byBucket = new Map<number, MessageChanges & { changed: string[]; removed: string[] }>()
  for (const { placed: { bucket, message } } of batch) {
    let changes = byBucket.get(bucket)
    if (!changes) byBucket.set(bucket, changes = { bucket, added: [], changed: [], removed: [] })
    ;(bucket === writtenTo ? changes.changed : changes.removed).push(message.message_id)
  }
  return { messages: [...byBucket.values()], pending: batch.map(outgoing => outgoing.unsigned.message_id) }
}

export class ConversationWriter {
  /** Sends, edits and deletes run one at a time, so each reads the count and bucket the previous one left. */
  private writes: Promise<unknown> = Promise.resolve()
  /** Whether a write of the outgoing messages is queued and has not started. */
  private writeQueued = false

  constructor (
    private readonly context: WriterContext,
    private readonly ref: ConversationRef,
    /** The conversation's own room: its index and everyone's activity entry. */
    private readonly index: Replica,
    private readonly buckets: ConversationBuckets,
    private readonly activity: VerifiedMap<ActivityEntry>,
    /** Where one's messages are shown from when sent until written. */
    private readonly timeline: Timeline,
    /** One's messages shown but not yet written. */
    private readonly outgoing: OutgoingMessages
  ) {}

  /**
   * Sends a message: placed in the timeline at once, signed and written right after with the
   * messages sent meanwhile (see Conversation.send).
   */
  send (content: string): Promise<Message> {
    try {
      this.context.assertOpen()
      assertContent(content)
    } catch (error) {
      return Promise.reject(error)
    }
    const { outgoing: { placed }, sent } = this.outgoing.add(this.newMessage(content), Math.max(this.buckets.head, 0))
    this.timeline.place(placed.bucket, placed.message.message_id, placed.message)
    if (!this.writeQueued) {
      this.writeQueued = true
      this.serialize(() => this.writeOutgoing()).catch(error => {
        // Not started (the conversation closed first).
        this.writeQueued = false
        this.dropOutgoing(error)
      })
    }
    const id = placed.message.message_id
    this.context.onChange({ messages: [{ bucket: placed.bucket, added: [id], changed: [], removed: [] }], pending: [id] })
    return sent
  }

  async edit (message_id: string, content: string): Promise<Message> {
    this.context.assertOpen()
    assertContent(content)
    return this.serialize(async () => {
      const { bucket, message } = await this.ownMessage(message_id)
      return this.rewrite(bucket, { ...withoutSignature(message), content, updated_at: timestamp(this.context.clock) })
    })
  }

  /** Deletes one's own message: it stays in the log as deleted, with its content gone. */
  async delete (message_id: string): Promise<Message> {
    this.context.assertOpen()
    return this.serialize(async () => {
      const { bucket, message } = await this.ownMessage(message_id)
      const now = timestamp(this.context.clock)
      return this.rewrite(bucket, { ...withoutSignature(message), content: '', updated_at: now, deleted_at: now })
    })
  }

  /** Writes what is outgoing (on close); what could not be written is dropped, its sends rejected. */
  async finish (error: ParleyError): Promise<void> {
    if (this.outgoing.size > 0) await this.writes
    if (this.outgoing.size > 0) this.dropOutgoing(error)
  }

  private newMessage (content: string): UnsignedMessage {
    const now = timestamp(this.context.clock)
    const me = this.context.me.user_id
    return {
      message_id: randomId(),
      sender_id: me,
      receiver_id: this.ref.kind === 'direct' ? this.ref.user_ids.find(id => id !== me)! : null,
      group_id: this.ref.kind === 'group' ? this.ref.group_id : null,
      content,
      created_at: now,
      updated_at: now,
      deleted_at: null
    }
  }

  /** Signs and writes every outgoing message, into the head bucket and the next when it fills up. */
  private async writeOutgoing (): Promise<void> {
    this.writeQueued = false
    const batch = this.outgoing.all()
    let written = 0
    try {
      while (written < batch.length) {
        const bucket = await this.buckets.writable()
        // At MAX_BUCKET the last bucket takes the rest, as a single send would.
        const room = BUCKET_CAPACITY - bucket.messages.entries
        const end = room > 0 ? Math.min(batch.length, written + room) : batch.length
        await this.writeBatch(bucket, batch.slice(written, end))
        written = end
      }
    } catch (error) {
      this.dropOutgoing(error, batch)
    }
    if (written > 0) this.context.noteSent(this.ref)
  }

  /** Forgets outgoing messages (all, or those of `batch` still outgoing) and rejects their sends. */
  private dropOutgoing (error: unknown, batch?: readonly Outgoing[]): void {
    const dropped = this.outgoing.drop(error, batch)
    for (const { placed } of dropped) this.timeline.place(placed.bucket, placed.message.message_id, undefined)
    this.context.onChange(unplaced(dropped))
  }

  /**
   * Signs outgoing messages together with one activity entry for them all, then writes them,
   * one transaction per room. NOTE: the entry is an index (unread counts, the list's preview):
   * only its newest state matters, so a burst of sends needs one.
   */
  private async writeBatch (bucket: LoadedBucket, batch: readonly Outgoing[]): Promise<void> {
    await this.ownActivitySettled()
    const me = this.context.me
    const count = (this.activity.get(me.user_id)?.count ?? 0) + batch.length
    const [messages, activity] = await Promise.all([
      signMessages(me, batch.map(entry => entry.unsigned)),
      signActivityOf(me, this.index.room, batch[batch.length - 1]!.unsigned, count)
    ])
    this.context.assertOpen()
    // The written version takes its place (in the bucket it went to) in the same step.
    for (const { placed } of batch) this.timeline.place(placed.bucket, placed.message.message_id, undefined)
    this.writeMessages(bucket, messages)
    this.writeActivity(activity)
    batch.forEach((outgoing, i) => this.outgoing.written(outgoing, messages[i]!))
    // The written versions were told as they went in; the placeholders' going is told here.
    this.context.onChange(unplaced(batch, bucket.number))
  }

  private writeMessages (bucket: LoadedBucket, messages: readonly Message[]): void {
    const doc = bucket.replica.doc
    this.context.outbox.write(bucket.replica.room, doc, () => {
      for (const message of messages) bucketMessages(doc).set(message.message_id, message)
    })
    for (const message of messages) bucket.messages.trust(message.message_id, message.signature)
  }

  private writeActivity (activity: StoredActivity): void {
    const me = this.context.me.user_id
    const doc = this.index.doc
    this.context.outbox.write(this.index.room, doc, () => conversationActivity(doc).set(me, activity))
    this.activity.trust(me, activity.signature)
  }

  /** One's own activity entry as it now is: one written by another of one's devices may still be being checked. */
  private async ownActivitySettled (): Promise<void> {
    if (this.activity.isChecking(this.context.me.user_id)) await this.activity.settled()
  }

  /** Runs one write after the previous ones. */
  private serialize<T> (task: () => Promise<T>): Promise<T> {
    const run = this.writes.then(() => {
      this.context.assertOpen()
      return task()
    })
    this.writes = run.catch(() => {})
    return run
  }

  /** Writes a new version of one's message, signed anew; the index follows if it shows this message. */
  private async rewrite (bucket: LoadedBucket, changed: UnsignedMessage): Promise<Message> {
    await this.ownActivitySettled()
    const mine = this.activity.get(this.context.me.user_id)
    return this.writeSigned(bucket, changed, mine?.last?.message_id === changed.message_id ? mine.count : null)
  }

  /**
   * Writes a message version and, when `count` is given, one's activity entry pointing at it.
   * NOTE: written only once signed (both signatures made together, one cheap WebCrypto call
   * each), so no unsigned version ever reaches a document; and trusted at once, unchecked.
   */
  private async writeSigned (bucket: LoadedBucket, unsigned: UnsignedMessage, count: number | null): Promise<Message> {
    const { message, activity } = await signWrite(this.context.me, this.index.room, unsigned, count)
    this.context.assertOpen()
    this.writeMessages(bucket, [message])
    if (activity) this.writeActivity(activity)
    return message
  }

  /** One's own message as it now is, its signature checked (a loaded one may not be yet). */
  private async ownMessage (message_id: string): Promise<{ bucket: LoadedBucket; message: Message }> {
    this.context.assertOpen()
    for (const bucket of this.buckets.all()) {
      const standing = bucket.messages.standing(message_id)
      if (standing === 'unchecked' || standing === 'checking') await bucket.messages.verify([message_id])
      this.context.assertOpen()
      const message = bucket.messages.get(message_id)
      if (!message) continue
      if (message.sender_id !== this.context.me.user_id) throw new ParleyError('not-allowed', 'only the sender may change a message')
      if (message.deleted_at !== null) throw new ParleyError('not-allowed', 'the message is deleted')
      return { bucket, message }
    }
    throw new ParleyError('not-found', `no loaded message ${message_id}`)
  }
}
