// A conversation's messages in history order, what of them may be shown, and pages cut from them.
import { ParleyError } from '../../shared/errors'
import type { Message } from '../../shared/model'
import { HistoryOrder, cursorOf, newestAdmitted, type Admission, type Cursor, type Placed } from './history'
import type { OutgoingMessages } from './outgoing'
import type { ConversationBuckets, LoadedBucket } from './buckets'
import type { MessageChanges } from './changes'

export interface HistoryPage {
  /** Newest first. */
  messages: Message[]
  /** The bucket each message is stored in, in the same order (for placing later changes among them). */
  buckets: number[]
  /** Pass as `before` for the next older page; null when there is nothing older. */
  cursor: Cursor | null
}

/**
 * Every valid loaded message in history order, checked or not, and one's own outgoing ones:
 * pages pick from it and check the signatures of what they show.
 */
export class Timeline {
  private readonly order = new HistoryOrder()

  constructor (
    private readonly buckets: ConversationBuckets,
    private readonly outgoing: OutgoingMessages,
    private readonly assertOpen: () => void
  ) {}

  /** Takes in a bucket just loaded. */
  addBucket ({ number, messages }: LoadedBucket): void {
    this.order.addAll(number, [...messages.validKeys()].map(key => messages.unchecked(key)!))
  }

  /** Follows changes to a loaded bucket's messages; returns them as added, changed or removed. */
  update ({ number, messages }: LoadedBucket, keys: Iterable<string>): MessageChanges {
    const changes = { bucket: number, added: [] as string[], changed: [] as string[], removed: [] as string[] }
    for (const key of keys) {
      const placed = this.order.get(number, key) !== undefined
      const message = messages.unchecked(key)
      this.order.set(number, key, message)
      if (message === undefined) {
        if (placed) changes.removed.push(key)
      } else {
        (placed ? changes.changed : changes.added).push(key)
      }
    }
    return changes
  }

  /** Places a message (one's own outgoing placeholder), or takes one out (undefined). */
  place (bucket: number, message_id: string, message: Message | undefined): void {
    this.order.set(bucket, message_id, message)
  }

  /**
   * Up to `limit` messages, newest first, older than `before` when given. Loads older
   * buckets only as far as the page needs. Only messages whose signature verifies are
   * included: the newest candidates are checked (together), and a forged one makes room for
   * the next older one, until the page is full or nothing is left.
   */
  async page ({ limit = 50, before }: { limit?: number; before?: Cursor } = {}): Promise<HistoryPage> {
    this.assertOpen()
    if (!(Number.isInteger(limit) && limit > 0)) throw new ParleyError('invalid-input', 'limit must be a positive integer')
    for (;;) {
      const floor = this.buckets.loadedFloor()
      const page = newestAdmitted(this.order.entries, limit, { before, floor, admit: entry => this.admit(entry) })
      if (page.unchecked.length > 0) {
        await this.check(page.unchecked)
        this.assertOpen()
        continue
      }
      if (page.entries.length === limit || floor <= 0) {
        const last = page.entries[page.entries.length - 1]
        const more = page.olderRemain || floor > 0
        return {
          messages: page.entries.map(entry => entry.message),
          buckets: page.entries.map(entry => entry.bucket),
          cursor: more && last ? cursorOf(last) : null
        }
      }
      await this.buckets.load(floor - 1)
    }
  }

  /**
   * What history shows now of these messages of `bucket`: the version it shows, or null when it
   * shows none (gone, hidden, forged); only for those whose place `wanted` accepts (the others
   * are left out). Checks the signatures of those not checked yet, together, as `page` does.
   */
  async versions (bucket: number, ids: Iterable<string>, wanted: (cursor: Cursor) => boolean): Promise<Map<string, Message | null>> {
    this.assertOpen()
    const versions = new Map<string, Message | null>()
    let asked = [...ids]
    while (asked.length > 0) {
      const unchecked: Placed[] = []
      for (const id of asked) {
        const entry = this.order.get(bucket, id)
        if (entry === undefined) {
          versions.set(id, null)
        } else if (wanted(cursorOf(entry))) {
          const admission = this.admit(entry)
          if (admission === 'unchecked') unchecked.push(entry)
          else versions.set(id, admission === 'hidden' ? null : admission)
        }
      }
      if (unchecked.length === 0) break
      await this.check(unchecked)
      this.assertOpen()
      // Asked again: a newer version may have arrived meanwhile.
      asked = unchecked.map(entry => entry.message.message_id)
    }
    return versions
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
}
