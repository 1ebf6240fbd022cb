// A conversation's buckets: the index of them, the ones loaded so far, and the one new messages go to.
import { ParleyError } from '../../shared/errors'
import { verifyMessage } from '../../shared/message-signature'
import type { Message, Parsed } from '../../shared/model'
import { BUCKET_CAPACITY, MAX_BUCKET, bucketRoom, type ConversationRef } from '../../shared/protocol'
import { bucketMessages, conversationBuckets, type BucketEntry } from '../../shared/schema'
import { timestamp, type Clock } from '../../shared/time'
import type { Outbox } from '../outbox'
import type { Replica } from '../replica'
import type { ReplicaPool } from '../replica-pool'
import type { ValidatedMap } from '../views/validated-map'
import { VerifiedMap, type PublicKeys } from '../views/verified-map'
import type { ConversationChange } from './changes'
import { UnconfirmedMessages } from './unconfirmed'
import type { LoadedBucket } from './loaded-bucket'

export interface BucketsContext {
  readonly me: string
  readonly clock: Clock
  readonly pool: ReplicaPool
  readonly outbox: Outbox
  readonly keys: PublicKeys
  /** Whether a message may be in this conversation (its own, and in a direct one between its two people). */
  readonly parseMessage: (value: unknown, key: string) => Parsed<Message>
  /** A bucket was loaded, with the messages it holds. */
  onLoaded(bucket: LoadedBucket): void
  /** Messages of a loaded bucket changed (their keys), and which of them became pending or stopped being so. */
  onMessages(bucket: LoadedBucket, keys: ReadonlySet<string>, pending: readonly string[]): void
  /** Anything shown changed: the index, a bucket's link (with what it confirmed), a bucket loaded (with its messages). */
  onChange(change?: Partial<ConversationChange>): void
  isClosed(): boolean
}

const signedMessages = { signerOf: (message: Message) => message.sender_id, verify: verifyMessage }

export type { LoadedBucket } from './loaded-bucket'

export class ConversationBuckets {
  private readonly loaded = new Map<number, LoadedBucket>()
  private readonly loading = new Map<number, Promise<LoadedBucket>>()
  /** The newest bucket, kept as the index changes (see `head`). */
  private headBucket: number
  private readonly unsubscribers: Array<() => void> = []
  private readonly unconfirmed: UnconfirmedMessages

  constructor (
    private readonly context: BucketsContext,
    private readonly ref: ConversationRef,
    /** The conversation's own room, which holds the index. */
    private readonly index: Replica,
    private readonly bucketIndex: ValidatedMap<BucketEntry>
  ) {
    this.unconfirmed = new UnconfirmedMessages(context.me, context.outbox)
    this.headBucket = this.findHead()
    bucketIndex.onChange(() => {
      this.headBucket = this.findHead()
      // Another writer started a new bucket: load it, so that new messages arrive live.
      if (this.head >= 0 && !this.loaded.has(this.head)) void this.load(this.head).catch(() => {})
      context.onChange()
    })
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

  get (bucket: number): LoadedBucket | undefined { return this.loaded.get(bucket) }

  all (): IterableIterator<LoadedBucket> { return this.loaded.values() }

  /**
   * The lowest bucket of the unbroken loaded run down from the head (head + 1 when the head
   * is not loaded): everything from here up is complete, so pages cut from it skip nothing.
   */
  loadedFloor (): number {
    let floor = this.head + 1
    while (floor > 0 && this.loaded.has(floor - 1)) floor -= 1
    return floor
  }

  load (bucket: number): Promise<LoadedBucket> {
    const loaded = this.loaded.get(bucket)
    if (loaded) return Promise.resolve(loaded)
    let pending = this.loading.get(bucket)
    if (!pending) {
      const room = bucketRoom(this.ref, bucket)
      pending = this.context.pool.acquire(room).then(replica => {
        this.loading.delete(bucket)
        if (this.context.isClosed()) {
          void this.context.pool.release(room)
          throw new ParleyError('closed', 'the conversation was closed')
        }
        const messages = new VerifiedMap(replica.map(bucketMessages), this.context.parseMessage, this.context.keys, signedMessages, { onDemand: true })
        const entry: LoadedBucket = { number: bucket, replica, messages }
        this.context.onLoaded(entry)
        messages.onChange(keys => this.context.onMessages(entry, keys, this.unconfirmed.update(entry, keys)))
        this.unsubscribers.push(replica.link.onChange(() => this.context.onChange({ pending: this.unconfirmed.acknowledge(entry) })))
        this.loaded.set(bucket, entry)
        this.context.onChange({ messages: [{ bucket, added: [...messages.validKeys()], changed: [], removed: [] }] })
        return entry
      })
      this.loading.set(bucket, pending)
    }
    return pending
  }

  /** The bucket new messages go to, started (and announced in the index) when needed. */
  async writable (): Promise<LoadedBucket> {
    let head = this.head
    // Capacity counts every entry, valid or not, so junk cannot keep a bucket open forever.
    const full = head >= 0 && (await this.load(head)).messages.entries >= BUCKET_CAPACITY
    if (full && head < MAX_BUCKET) head += 1
    if (head < 0) head = 0
    if (!this.bucketIndex.has(String(head))) {
      const entry = { created_at: timestamp(this.context.clock) }
      const doc = this.index.doc
      this.context.outbox.write(this.index.room, doc, () => conversationBuckets(doc).set(String(head), entry))
    }
    return this.load(head)
  }

  /**
   * Whether the relay has yet to confirm this message (or its latest edit) as a loaded bucket
   * shows it. NOTE: read off the document itself, so it holds across reloads; kept as a set
   * (see UnconfirmedMessages), so asking costs nothing.
   */
  isUnconfirmed (message_id: string): boolean { return this.unconfirmed.has(message_id) }

  /** Why the relay refuses a room of the conversation to this user, or null while it does not. */
  get refusal (): string | null {
    for (const bucket of this.loaded.values()) if (bucket.replica.link.refusal !== null) return bucket.replica.link.refusal
    return this.index.link.refusal
  }

  /** Entries skipped as invalid in the loaded documents (written by a faulty or hostile peer). */
  get skipped (): number {
    let skipped = this.bucketIndex.skipped
    for (const bucket of this.loaded.values()) skipped += bucket.messages.skipped
    return skipped
  }

  /** Well-formed messages checked so far whose signature does not verify (see Conversation.unverified). */
  get unverified (): number {
    let unverified = 0
    for (const bucket of this.loaded.values()) unverified += bucket.messages.unverified
    return unverified
  }

  /** Lets go of every loaded bucket, after any still loading; returns their rooms, for the pool to release. */
  async close (): Promise<string[]> {
    await Promise.allSettled([...this.loading.values()])
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    this.bucketIndex.destroy()
    const rooms = [...this.loaded.values()].map(bucket => {
      bucket.messages.destroy()
      return bucket.replica.room
    })
    this.loaded.clear()
    return rooms
  }
}
