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
import { comparePlaced, cursorOf, newestBefore, type Cursor, type Placed } from './history'
import type { Outbox } from './outbox'
import { assertContent, signWrite, withoutSignature } from './own-writes'
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
  /** Only messages whose signature verifies against their sender's key. */
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
  /** Every loaded message in history order, rebuilt after a change. */
  private ascending: Placed[] | null = null
  private readonly activity: VerifiedMap<ActivityEntry>
  /** Sends, edits and deletes run one at a time, so each reads the count and bucket the previous one left. */
  private writes: Promise<unknown> = Promise.resolve()
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
    this.activity.onChange(() => this.changed())
    const awareness = index.awareness
    if (awareness) {
      const onPresence = () => this.notify()
      awareness.on('change', onPresence)
      this.unsubscribers.push(() => awareness.off('change', onPresence))
    }
    bucketIndex.onChange(() => {
      // Another writer started a new bucket: load it, so that new messages arrive live.
      if (this.head >= 0 && !this.buckets.has(this.head)) void this.loadBucket(this.head).catch(() => {})
      this.changed()
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
  get head (): number {
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
   * sender's public key (forged, or altered by the relay): never shown.
   */
  get unverified (): number {
    let unverified = 0
    for (const bucket of this.buckets.values()) unverified += bucket.messages.unverified
    return unverified
  }

  /** Resolves once every loaded message has been checked (those whose sender is unknown yet wait). */
  private async verified (): Promise<void> {
    await Promise.all([...this.buckets.values()].map(bucket => bucket.messages.settled()))
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
        const messages = new VerifiedMap(bucketMessages(replica.doc), this.parseMessage, this.context.keys, signedMessages)
        messages.onChange(() => this.changed())
        this.unsubscribers.push(replica.link.onChange(() => this.notify()))
        const entry = { replica, messages }
        this.buckets.set(bucket, entry)
        this.changed()
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

  private changed (): void {
    this.ascending = null
    this.notify()
  }

  private notify (): void {
    for (const listener of [...this.listeners]) listener()
  }

  /** Loaded messages of buckets `floor` and up, in history order. */
  private loadedFrom (floor: number): Placed[] {
    if (this.ascending === null) {
      const all: Placed[] = []
      for (const [bucket, loaded] of this.buckets) {
        for (const message of loaded.messages.values()) all.push({ bucket, message })
      }
      this.ascending = all.sort(comparePlaced)
    }
    const start = this.ascending.findIndex(entry => entry.bucket >= floor)
    return start === -1 ? [] : start === 0 ? this.ascending : this.ascending.slice(start)
  }

  /**
   * Up to `limit` messages, newest first, older than `before` when given. Loads older
   * buckets only as far as the page needs. Only messages whose signature verifies are
   * included: the page waits for the checks under way.
   */
  async history ({ limit = 50, before }: { limit?: number; before?: Cursor } = {}): Promise<HistoryPage> {
    this.assertOpen()
    if (!(Number.isInteger(limit) && limit > 0)) throw new ParleyError('invalid-input', 'limit must be a positive integer')
    for (;;) {
      await this.verified()
      const floor = this.loadedFloor(this.head)
      const page = newestBefore(this.loadedFrom(floor), limit, before)
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
    const full = head >= 0 && bucketMessages((await this.loadBucket(head)).replica.doc).size >= BUCKET_CAPACITY
    if (full && head < MAX_BUCKET) head += 1
    if (head < 0) head = 0
    if (!this.bucketIndex.has(String(head))) {
      const entry = { created_at: timestamp(this.context.clock) }
      this.context.outbox.write(this.room, this.index.doc, () => conversationBuckets(this.index.doc).set(String(head), entry))
    }
    return this.loadBucket(head)
  }

  async send (content: string): Promise<Message> {
    this.assertOpen()
    assertContent(content)
    return this.serialize(async () => {
      const bucket = await this.writableBucket()
      const now = timestamp(this.context.clock)
      const me = this.context.me.user_id
      const message: UnsignedMessage = {
        message_id: randomId(),
        sender_id: me,
        receiver_id: this.ref.kind === 'direct' ? this.ref.user_ids.find(id => id !== me)! : null,
        group_id: this.ref.kind === 'group' ? this.ref.group_id : null,
        content,
        created_at: now,
        updated_at: now,
        deleted_at: null
      }
      await this.ownActivitySettled()
      const sent = await this.writeSigned(bucket, message, (this.activity.get(me)?.count ?? 0) + 1)
      this.context.noteSent(this.ref)
      return sent
    })
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
    const doc = bucket.replica.doc
    this.context.outbox.write(bucket.replica.room, doc, () => bucketMessages(doc).set(message.message_id, message))
    bucket.messages.trust(message.message_id, message.signature)
    if (activity) {
      const me = this.context.me.user_id
      this.context.outbox.write(this.room, this.index.doc, () => conversationActivity(this.index.doc).set(me, activity))
      this.activity.trust(me, activity.signature)
    }
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
    return this.serialize(() => {
      const { bucket, message } = this.ownMessage(message_id)
      return this.rewrite(bucket, { ...withoutSignature(message), content, updated_at: timestamp(this.context.clock) })
    })
  }

  /** Deletes one's own message: it stays in the log as deleted, with its content gone. */
  async delete (message_id: string): Promise<Message> {
    this.assertOpen()
    return this.serialize(() => {
      const { bucket, message } = this.ownMessage(message_id)
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

  private ownMessage (message_id: string): { bucket: LoadedBucket; message: Message } {
    this.assertOpen()
    for (const bucket of this.buckets.values()) {
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

