// An open conversation: its bucket index, the buckets loaded so far, and sending, editing and paging.
import type * as Y from 'yjs'
import { verifyActivity } from '../activity-signature'
import type { Identity } from '../identity'
import { ParleyError } from '../errors'
import { randomId } from '../ids'
import { verifyMessage, type UnsignedMessage } from '../message-signature'
import { parseMessage, type Message, type Parsed } from '../model'
import { BUCKET_CAPACITY, MAX_BUCKET, bucketRoom, conversationRoom, type ConversationRef } from '../protocol'
import {
  bucketMessages, conversationActivity, conversationBuckets, parseActivity, parseBucketEntry, parseTypingState,
  type ActivityEntry, type BucketEntry, type TypingState
} from '../schema'
import { timestamp, type Clock } from '../time'
import { HistoryOrder, cursorOf, newestAdmitted, type Admission, type Cursor, type Placed } from './history'
import type { Outbox } from './outbox'
import { OutgoingMessages, type Outgoing } from './outgoing'
import { assertContent, signActivityOf, signMessages, signWrite, withoutSignature, type StoredActivity } from './own-writes'
import type { Replica } from './replica'
import type { ReplicaPool } from './replica-pool'
import { ValidatedMap } from './validated-map'
import { VerifiedMap, type PublicKeys } from './verified-map'

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

export interface HistoryPage {
  /** Newest first. */
  messages: Message[]
  /** Pass as `before` for the next older page; null when there is nothing older. */
  cursor: Cursor | null
}

interface LoadedBucket {
  replica: Replica
  /** Only messages whose signature verifies against their sender's key, checked as pages need them. */
  messages: VerifiedMap<Message>
}

const signedMessages = { signerOf: (message: Message) => message.sender_id, verify: verifyMessage }

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
  private readonly buckets = new Map<number, LoadedBucket>()
  private readonly loading = new Map<number, Promise<LoadedBucket>>()
  private readonly listeners = new Set<() => void>()
  private readonly parseMessage: (value: unknown, key: string) => Parsed<Message>
  /** Every valid loaded message in history order, checked or not: pages pick from it and check what they show. */
  private readonly order = new HistoryOrder()
  /** The newest bucket, kept as the index changes (see `head`). */
  private headBucket = -1
  private readonly activity: VerifiedMap<ActivityEntry>
  /** Sends, edits and deletes run one at a time, so each reads the count and bucket the previous one left. */
  private writes: Promise<unknown> = Promise.resolve()
  /** One's messages shown but not yet written. */
  private readonly outgoing = new OutgoingMessages()
  /** Whether a write of the outgoing messages is queued and has not started. */
  private writeQueued = false
  /** Subscriptions on replicas from the pool, which may outlive this conversation. */
  private readonly unsubscribers: Array<() => void> = []
  private closed = false

  private constructor (
    private readonly context: ConversationContext,
    readonly ref: ConversationRef,
    private readonly index: Replica,
    private readonly bucketIndex: ValidatedMap<BucketEntry>
  ) {
    this.room = conversationRoom(ref)
    this.parseMessage = belongsTo(ref)
    this.activity = new VerifiedMap(conversationActivity(index.doc), parseActivity, context.keys, {
      signerOf: entry => entry.sender_id,
      verify: (entry, publicKey) => verifyActivity(this.room, entry, publicKey)
    })
    this.activity.onChange(() => this.notify())
    const awareness = index.awareness
    if (awareness) {
      const onPresence = () => this.notify()
      awareness.on('change', onPresence)
      this.unsubscribers.push(() => awareness.off('change', onPresence))
    }
    this.headBucket = this.findHead()
    bucketIndex.onChange(() => {
      this.headBucket = this.findHead()
      // Another writer started a new bucket: load it, so that new messages arrive live.
      if (this.head >= 0 && !this.buckets.has(this.head)) void this.loadBucket(this.head).catch(() => {})
      this.notify()
    })
  }

  static async open (context: ConversationContext, ref: ConversationRef): Promise<Conversation> {
    const index = await context.pool.acquire(conversationRoom(ref), { presence: true })
    const conversation = new Conversation(context, ref, index, new ValidatedMap(conversationBuckets(index.doc), parseBucketEntry))
    if (conversation.head >= 0) await conversation.loadBucket(conversation.head)
    return conversation
  }

  /**
   * The newest bucket, or -1 for an empty conversation. NOTE: the top of the unbroken run
   * 0, 1, 2…, so a forged index key far ahead ('999999') is ignored instead of sending
   * readers through a million empty rooms.
   */
  get head (): number { return this.headBucket }

  private findHead (): number {
    let head = -1
    while (this.bucketIndex.has(String(head + 1))) head += 1
    return head
  }

  /**
   * Why the relay refuses this conversation to this user (e.g. 'not-a-member' once removed
   * from the group), or null while it does not.
   */
  get refusal (): string | null {
    for (const bucket of this.buckets.values()) if (bucket.replica.link.refusal !== null) return bucket.replica.link.refusal
    return this.index.link.refusal
  }

  /** Entries skipped as invalid in the loaded documents (written by a faulty or hostile peer). */
  get skipped (): number {
    let skipped = this.bucketIndex.skipped
    for (const bucket of this.buckets.values()) skipped += bucket.messages.skipped
    return skipped
  }

  /**
   * Well-formed messages in the loaded buckets whose signature does not verify against their
   * sender's public key (forged, or altered by the relay): never shown. NOTE: counts those
   * checked so far: what history pages have reached (signatures are checked as pages need
   * them) and what arrived live; a forged message is counted once a page would have shown it.
   */
  get unverified (): number {
    let unverified = 0
    for (const bucket of this.buckets.values()) unverified += bucket.messages.unverified
    return unverified
  }

  /**
   * The lowest bucket of the unbroken loaded run down from the head (head + 1 when the head
   * is not loaded): everything from here up is complete, so pages cut from it skip nothing.
   */
  private loadedFloor (head: number): number {
    let floor = head + 1
    while (floor > 0 && this.buckets.has(floor - 1)) floor -= 1
    return floor
  }

  private loadBucket (bucket: number): Promise<LoadedBucket> {
    const loaded = this.buckets.get(bucket)
    if (loaded) return Promise.resolve(loaded)
    let pending = this.loading.get(bucket)
    if (!pending) {
      const room = bucketRoom(this.ref, bucket)
      pending = this.context.pool.acquire(room).then(replica => {
        this.loading.delete(bucket)
        if (this.closed) {
          void this.context.pool.release(room)
          throw new ParleyError('closed', 'the conversation was closed')
        }
        const messages = new VerifiedMap(bucketMessages(replica.doc), this.parseMessage, this.context.keys, signedMessages, { onDemand: true })
        this.order.addAll(bucket, [...messages.validKeys()].map(key => messages.unchecked(key)!))
        messages.onChange(keys => {
          for (const key of keys) this.order.set(bucket, key, messages.unchecked(key))
          this.notify()
        })
        this.unsubscribers.push(replica.link.onChange(() => this.notify()))
        const entry = { replica, messages }
        this.buckets.set(bucket, entry)
        this.notify()
        return entry
      })
      this.loading.set(bucket, pending)
    }
    return pending
  }

  /**
   * Whether the relay has yet to confirm a message (or its latest edit): true from sending
   * until the relay has written it, across reloads, since it is read off the document itself.
   */
  isPending (message_id: string): boolean {
    if (this.outgoing.has(message_id)) return true
    for (const bucket of this.buckets.values()) {
      const message = bucket.messages.get(message_id)
      if (!message) continue
      // Others' messages came from the relay; one's own are pending only while the outbox holds their room.
      if (message.sender_id !== this.context.me.user_id) return false
      const baseline = this.context.outbox.baseline(bucket.replica.room)
      if (baseline === null) return false
      const id = itemIdOf(bucketMessages(bucket.replica.doc), message_id)
      if (id === null) return true
      if (id.clock < (baseline.get(id.client) ?? 0)) return false
      return bucket.replica.link.acknowledged(id.client) <= id.clock
    }
    return false
  }

  private notify (): void {
    for (const listener of [...this.listeners]) listener()
  }

  /** Whether a placed message may be shown: only its current version, once its signature verifies. */
  private admit (entry: Placed): Admission {
    const id = entry.message.message_id
    if (this.outgoing.shows(entry)) return entry.message
    const messages = this.buckets.get(entry.bucket)?.messages
    switch (messages?.standing(id)) {
      case 'genuine': return messages!.get(id) ?? 'hidden'
      case 'unchecked':
      case 'checking': return 'unchecked'
      default: return 'hidden'
    }
  }

  /** Checks the signatures of these placed messages, one batch per bucket. */
  private async check (entries: readonly Placed[]): Promise<void> {
    const byBucket = new Map<number, string[]>()
    for (const { bucket, message } of entries) {
      const ids = byBucket.get(bucket) ?? []
      ids.push(message.message_id)
      byBucket.set(bucket, ids)
    }
    await Promise.all([...byBucket].map(([bucket, ids]) => this.buckets.get(bucket)?.messages.verify(ids)))
  }

  /**
   * Up to `limit` messages, newest first, older than `before` when given. Loads older
   * buckets only as far as the page needs. Only messages whose signature verifies are
   * included: the newest candidates are checked (together), and a forged one makes room for
   * the next older one, until the page is full or nothing is left.
   */
  async history ({ limit = 50, before }: { limit?: number; before?: Cursor } = {}): Promise<HistoryPage> {
    this.assertOpen()
    if (!(Number.isInteger(limit) && limit > 0)) throw new ParleyError('invalid-input', 'limit must be a positive integer')
    for (;;) {
      const floor = this.loadedFloor(this.head)
      const page = newestAdmitted(this.order.entries, limit, { before, floor, admit: entry => this.admit(entry) })
      if (page.unchecked.length > 0) {
        await this.check(page.unchecked)
        this.assertOpen()
        continue
      }
      if (page.entries.length === limit || floor <= 0) {
        const last = page.entries[page.entries.length - 1]
        const more = page.olderRemain || floor > 0
        return { messages: page.entries.map(entry => entry.message), cursor: more && last ? cursorOf(last) : null }
      }
      await this.loadBucket(floor - 1)
    }
  }

  /** The bucket new messages go to, started (and announced in the index) when needed. */
  private async writableBucket (): Promise<LoadedBucket> {
    let head = this.head
    // Capacity counts every entry, valid or not, so junk cannot keep a bucket open forever.
    const full = head >= 0 && (await this.loadBucket(head)).messages.entries >= BUCKET_CAPACITY
    if (full && head < MAX_BUCKET) head += 1
    if (head < 0) head = 0
    if (!this.bucketIndex.has(String(head))) {
      const entry = { created_at: timestamp(this.context.clock) }
      this.context.outbox.write(this.room, this.index.doc, () => conversationBuckets(this.index.doc).set(String(head), entry))
    }
    return this.loadBucket(head)
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
  send (content: string): Promise<Message> {
    try {
      this.assertOpen()
      assertContent(content)
    } catch (error) {
      return Promise.reject(error)
    }
    const now = timestamp(this.context.clock)
    const me = this.context.me.user_id
    const unsigned: UnsignedMessage = {
      message_id: randomId(),
      sender_id: me,
      receiver_id: this.ref.kind === 'direct' ? this.ref.user_ids.find(id => id !== me)! : null,
      group_id: this.ref.kind === 'group' ? this.ref.group_id : null,
      content,
      created_at: now,
      updated_at: now,
      deleted_at: null
    }
    const { outgoing: { placed }, sent } = this.outgoing.add(unsigned, Math.max(this.head, 0))
    this.order.set(placed.bucket, unsigned.message_id, placed.message)
    if (!this.writeQueued) {
      this.writeQueued = true
      this.serialize(() => this.writeOutgoing()).catch(error => {
        // Not started (the conversation closed first).
        this.writeQueued = false
        this.dropOutgoing(error)
      })
    }
    this.notify()
    return sent
  }

  /** Signs and writes every outgoing message, into the head bucket and the next when it fills up. */
  private async writeOutgoing (): Promise<void> {
    this.writeQueued = false
    const batch = this.outgoing.all()
    let written = 0
    try {
      while (written < batch.length) {
        const bucket = await this.writableBucket()
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
    for (const { placed } of this.outgoing.drop(error, batch)) this.order.set(placed.bucket, placed.message.message_id, undefined)
    this.notify()
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
      signActivityOf(me, this.room, batch[batch.length - 1]!.unsigned, count)
    ])
    this.assertOpen()
    // The written version takes its place (in the bucket it went to) in the same step.
    for (const { placed } of batch) this.order.set(placed.bucket, placed.message.message_id, undefined)
    this.writeMessages(bucket, messages)
    this.writeActivity(activity)
    batch.forEach((outgoing, i) => this.outgoing.written(outgoing, messages[i]!))
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
    this.context.outbox.write(this.room, this.index.doc, () => conversationActivity(this.index.doc).set(me, activity))
    this.activity.trust(me, activity.signature)
  }

  /** One's own activity entry as it now is: one written by another of one's devices may still be being checked. */
  private async ownActivitySettled (): Promise<void> {
    if (this.activity.isChecking(this.context.me.user_id)) await this.activity.settled()
  }

  /** Runs one write after the previous ones. */
  private serialize<T> (task: () => Promise<T>): Promise<T> {
    const run = this.writes.then(() => {
      this.assertOpen()
      return task()
    })
    this.writes = run.catch(() => {})
    return run
  }

  /**
   * Writes a message version and, when `count` is given, one's activity entry pointing at it.
   * NOTE: written only once signed (both signatures made together, one cheap WebCrypto call
   * each), so no unsigned version ever reaches a document; and trusted at once, unchecked.
   */
  private async writeSigned (bucket: LoadedBucket, unsigned: UnsignedMessage, count: number | null): Promise<Message> {
    const { message, activity } = await signWrite(this.context.me, this.room, unsigned, count)
    this.assertOpen()
    this.writeMessages(bucket, [message])
    if (activity) this.writeActivity(activity)
    return message
  }

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

  async edit (message_id: string, content: string): Promise<Message> {
    this.assertOpen()
    assertContent(content)
    return this.serialize(async () => {
      const { bucket, message } = await this.ownMessage(message_id)
      return this.rewrite(bucket, { ...withoutSignature(message), content, updated_at: timestamp(this.context.clock) })
    })
  }

  /** Deletes one's own message: it stays in the log as deleted, with its content gone. */
  async delete (message_id: string): Promise<Message> {
    this.assertOpen()
    return this.serialize(async () => {
      const { bucket, message } = await this.ownMessage(message_id)
      const now = timestamp(this.context.clock)
      return this.rewrite(bucket, { ...withoutSignature(message), content: '', updated_at: now, deleted_at: now })
    })
  }

  /** Writes a new version of one's message, signed anew; the index follows if it shows this message. */
  private async rewrite (bucket: LoadedBucket, changed: UnsignedMessage): Promise<Message> {
    await this.ownActivitySettled()
    const mine = this.activity.get(this.context.me.user_id)
    return this.writeSigned(bucket, changed, mine?.last?.message_id === changed.message_id ? mine.count : null)
  }

  /** One's own message as it now is, its signature checked (a loaded one may not be yet). */
  private async ownMessage (message_id: string): Promise<{ bucket: LoadedBucket; message: Message }> {
    this.assertOpen()
    for (const bucket of this.buckets.values()) {
      const standing = bucket.messages.standing(message_id)
      if (standing === 'unchecked' || standing === 'checking') await bucket.messages.verify([message_id])
      this.assertOpen()
      const message = bucket.messages.get(message_id)
      if (!message) continue
      if (message.sender_id !== this.context.me.user_id) throw new ParleyError('not-allowed', 'only the sender may change a message')
      if (message.deleted_at !== null) throw new ParleyError('not-allowed', 'the message is deleted')
      return { bucket, message }
    }
    throw new ParleyError('not-found', `no loaded message ${message_id}`)
  }

  /** Called on every change to the loaded history; returns the unsubscribe function. */
  subscribe (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private assertOpen (): void {
    if (this.closed) throw new ParleyError('closed', 'the conversation was closed')
  }

  async close (): Promise<void> {
    if (this.closed) return
    // What was shown as sent is written before the documents go.
    if (this.outgoing.size > 0) await this.writes
    if (this.closed) return
    if (this.outgoing.size > 0) this.dropOutgoing(new ParleyError('closed', 'the conversation was closed'))
    this.setTyping(false)
    this.closed = true
    this.listeners.clear()
    this.context.onClose?.(this)
    await Promise.allSettled([...this.loading.values()])
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    this.bucketIndex.destroy()
    this.activity.destroy()
    const rooms = [this.room, ...[...this.buckets.values()].map(bucket => {
      bucket.messages.destroy()
      return bucket.replica.room
    })]
    this.buckets.clear()
    await Promise.all(rooms.map(room => this.context.pool.release(room)))
  }

}

/**
 * The Yjs id of the item holding a map key's current value.
 * NOTE: reads Y.Map's internal `_map` (stable across Yjs 13); there is no public accessor.
 */
const itemIdOf = (map: Y.Map<unknown>, key: string): { client: number; clock: number } | null => {
  const item = (map as unknown as { _map: Map<string, { id: { client: number; clock: number } }> })._map.get(key)
  return item ? item.id : null
}

