// An open conversation, a facade over its parts: its buckets (conversation/buckets.ts), its timeline of messages and pages (timeline.ts), and its writer (writer.ts).
import { verifyActivity } from '../../shared/activity-signature'
import type { Identity } from '../../shared/identity'
import { ParleyError } from '../../shared/errors'
import { parseMessage, type Message, type Parsed } from '../../shared/model'
import { conversationRoom, type ConversationRef } from '../../shared/protocol'
import { conversationActivity, conversationBuckets, parseActivity, parseBucketEntry, parseTypingState, type ActivityEntry, type TypingState } from '../../shared/schema'
import type { Clock } from '../../shared/time'
import type { Cursor } from './history'
import type { Outbox } from '../outbox'
import { OutgoingMessages } from './outgoing'
import type { Replica } from '../replica'
import type { ReplicaPool } from '../replica-pool'
import { ValidatedMap } from '../views/validated-map'
import { VerifiedMap, type PublicKeys } from '../views/verified-map'
import { ConversationBuckets } from './buckets'
import { Timeline, type HistoryPage } from './timeline'
import { ConversationWriter } from './writer'
import { NO_CHANGE, type ConversationChange } from './changes'

export type { HistoryPage } from './timeline'
export type { ConversationChange, MessageChanges } from './changes'

export interface ConversationContext {
  readonly me: Identity
  readonly clock: Clock
  readonly pool: ReplicaPool
  /** Keeps what is written here until the relay has it, even across a reload. */
  readonly outbox: Outbox
  /** Senders' public keys, from the directory: a message is shown only once its signature verifies. */
  readonly keys: PublicKeys
  /** Told after one's own message is written: the conversation joins one's list (and the other person's). */
  noteSent(ref: ConversationRef): void
  /** Records, for oneself on every device, how many of each sender's messages have been read. */
  markRead(room: string, counts: Record<string, number>): void
  /** Told when the conversation closes, so its owner can forget it. */
  readonly onClose?: (conversation: Conversation) => void
}

/** A message is only valid in the conversation it names, and in a direct one only between its two people. */
const belongsTo = (ref: ConversationRef) => (value: unknown, key: string): Parsed<Message> => {
  const parsed = parseMessage(value, key)
  if (!parsed.ok) return parsed
  const message = parsed.value
  const fits = ref.kind === 'group'
    ? message.group_id === ref.group_id
    : ref.user_ids.includes(message.sender_id) && ref.user_ids.includes(message.receiver_id!) &&
      message.sender_id !== message.receiver_id
  return fits ? parsed : { ok: false, reason: 'bad-recipient' }
}

export class Conversation {
  readonly room: string
  private readonly listeners = new Set<(change: ConversationChange) => void>()
  private readonly activity: VerifiedMap<ActivityEntry>
  private readonly buckets: ConversationBuckets
  private readonly timeline: Timeline
  private readonly writer: ConversationWriter
  /** One's messages shown but not yet written. */
  private readonly outgoing = new OutgoingMessages()
  /** Subscriptions on replicas from the pool, which may outlive this conversation. */
  private readonly unsubscribers: Array<() => void> = []
  private closed = false

  private constructor (
    private readonly context: ConversationContext,
    readonly ref: ConversationRef,
    private readonly index: Replica
  ) {
    this.room = conversationRoom(ref)
    const assertOpen = () => this.assertOpen()
    const onChange = (change?: Partial<ConversationChange>) => this.notify(change)
    this.activity = new VerifiedMap(index.map(conversationActivity), parseActivity, context.keys, {
      signerOf: entry => entry.sender_id,
      verify: (entry, publicKey) => verifyActivity(this.room, entry, publicKey)
    })
    const onOtherChange = () => this.notify()
    this.activity.onChange(onOtherChange)
    // Typing is read off the room's presence, which is a new object after a rebuild.
    let awareness = index.awareness
    awareness?.on('change', onOtherChange)
    this.unsubscribers.push(index.onMoved(() => {
      awareness?.off('change', onOtherChange)
      awareness = index.awareness
      awareness?.on('change', onOtherChange)
      onOtherChange()
    }), () => awareness?.off('change', onOtherChange))
    this.buckets = new ConversationBuckets({
      me: context.me.user_id,
      clock: context.clock,
      pool: context.pool,
      outbox: context.outbox,
      keys: context.keys,
      parseMessage: belongsTo(ref),
      onLoaded: bucket => this.timeline.addBucket(bucket),
      onMessages: (bucket, keys, pending) => this.notify({ messages: [this.timeline.update(bucket, keys)], pending }),
      onChange,
      isClosed: () => this.closed
    }, ref, index, new ValidatedMap(index.map(conversationBuckets), parseBucketEntry))
    this.timeline = new Timeline(this.buckets, this.outgoing, assertOpen)
    this.writer = new ConversationWriter({ ...context, onChange, assertOpen }, ref, index, this.buckets, this.activity, this.timeline, this.outgoing)
  }

  static async open (context: ConversationContext, ref: ConversationRef): Promise<Conversation> {
    const index = await context.pool.acquire(conversationRoom(ref))
    const conversation = new Conversation(context, ref, index)
    if (conversation.head >= 0) await conversation.buckets.load(conversation.head)
    return conversation
  }

  /** The newest bucket, or -1 for an empty conversation (see ConversationBuckets.head). */
  get head (): number { return this.buckets.head }

  /**
   * Why the relay refuses this conversation to this user (e.g. 'not-a-member' once removed
   * from the group), or null while it does not.
   */
  get refusal (): string | null { return this.buckets.refusal }

  /** Entries skipped as invalid in the loaded documents (written by a faulty or hostile peer). */
  get skipped (): number { return this.buckets.skipped }

  /**
   * Well-formed messages in the loaded buckets whose signature does not verify against their
   * sender's public key (forged, or altered by the relay): never shown. NOTE: counts those
   * checked so far: what history pages have reached (signatures are checked as pages need
   * them) and what arrived live; a forged message is counted once a page would have shown it.
   */
  get unverified (): number { return this.buckets.unverified }

  /**
   * Whether the relay has yet to confirm a message (or its latest edit): true from sending
   * until the relay has written it, across reloads, since it is read off the document itself.
   */
  isPending (message_id: string): boolean {
    return this.outgoing.has(message_id) || this.buckets.isUnconfirmed(message_id)
  }

  /**
   * Up to `limit` messages, newest first, older than `before` when given. Loads older
   * buckets only as far as the page needs; only messages whose signature verifies are included.
   */
  history (options: { limit?: number; before?: Cursor } = {}): Promise<HistoryPage> {
    return this.timeline.page(options)
  }

  /**
   * What history shows now of these messages of `bucket` (named by a change): the version it
   * shows, or null when it shows none; only for those whose place `wanted` accepts. Checks
   * signatures not checked yet. For applying a change to messages on screen without reading
   * their pages again.
   */
  versions (bucket: number, message_ids: Iterable<string>, wanted: (cursor: Cursor) => boolean = () => true): Promise<Map<string, Message | null>> {
    return this.timeline.versions(bucket, message_ids, wanted)
  }

  /**
   * Sends a message. It is in the conversation's view when this returns (history pages show
   * it, `isPending` is true, listeners have been told); the promise resolves once it is signed
   * and written to the document and the outbox, which is right after, with the messages sent
   * meanwhile: their signatures made together, with one activity entry (count and preview,
   * for the conversation list) for them all.
   * NOTE: nothing reaches a document unsigned. A message shown but not written when the page
   * is killed (a millisecond or so) is lost, and never appeared anywhere else; `close` writes
   * what is outgoing first.
   */
  send (content: string): Promise<Message> { return this.writer.send(content) }

  edit (message_id: string, content: string): Promise<Message> { return this.writer.edit(message_id, content) }

  /** Deletes one's own message: it stays in the log as deleted, with its content gone. */
  delete (message_id: string): Promise<Message> { return this.writer.delete(message_id) }

  /** Marks every message known so far as read, for oneself on every device. */
  markRead (): void {
    this.assertOpen()
    const counts: Record<string, number> = {}
    for (const entry of this.activity.values()) if (entry.sender_id !== this.context.me.user_id) counts[entry.sender_id] = entry.count
    this.context.markRead(this.room, counts)
  }

  /** Tells the others in this conversation whether one is typing (presence only, never stored). */
  setTyping (typing: boolean): void {
    this.assertOpen()
    const awareness = this.index.awareness
    if (!awareness) return
    const current = awareness.getLocalState() as TypingState | null
    if ((current?.typing ?? false) === typing) return
    awareness.setLocalState(typing ? { user_id: this.context.me.user_id, typing: true } satisfies TypingState : null)
  }

  /** The others typing here now. */
  typing (): string[] {
    const awareness = this.index.awareness
    if (!awareness) return []
    const typing = new Set<string>()
    for (const [client, state] of awareness.getStates()) {
      if (client === awareness.clientID) continue
      const parsed = parseTypingState(state)
      if (parsed.ok && parsed.value.typing && parsed.value.user_id !== this.context.me.user_id) typing.add(parsed.value.user_id)
    }
    return [...typing]
  }

  /**
   * Called on every change to the loaded history, typing or activity, with what changed: the
   * messages (by bucket) and pending states, so that a view can apply it; returns the
   * unsubscribe function.
   */
  subscribe (listener: (change: ConversationChange) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private notify (change?: Partial<ConversationChange>): void {
    if (this.listeners.size === 0) return
    const full: ConversationChange = change ? { messages: change.messages ?? [], pending: change.pending ?? [] } : NO_CHANGE
    for (const listener of [...this.listeners]) listener(full)
  }

  private assertOpen (): void {
    if (this.closed) throw new ParleyError('closed', 'the conversation was closed')
  }

  async close (): Promise<void> {
    if (this.closed) return
    // What was shown as sent is written before the documents go.
    await this.writer.finish(new ParleyError('closed', 'the conversation was closed'))
    if (this.closed) return
    this.setTyping(false)
    this.closed = true
    this.listeners.clear()
    this.context.onClose?.(this)
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    const bucketRooms = await this.buckets.close()
    this.activity.destroy()
    await Promise.all([this.room, ...bucketRooms].map(room => this.context.pool.release(room)))
  }
}
