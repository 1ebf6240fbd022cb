// The list of one's conversations with unread counts and last messages, live, without opening them.
import { verifyActivity } from '../../shared/activity-signature'
import type { Group } from '../../shared/model'
import { conversationRoom, groupConversation, type ConversationRef } from '../../shared/protocol'
import {
  conversationActivity, parseActivity, parseConversationEntry, parseReadMark, userConversations, userReads,
  type ActivityEntry, type ConversationEntry, type LastMessage, type ReadMark
} from '../../shared/schema'
import { compareMessages } from '../conversation/history'
import type { Replica } from '../replica'
import type { ReplicaPool } from '../replica-pool'
import { ValidatedMap } from './validated-map'
import { VerifiedMap, type PublicKeys } from './verified-map'

export interface ConversationSummary {
  /** The conversation's room name: a stable key. */
  room: string
  ref: ConversationRef
  /** The other person of a direct conversation. */
  peer_id: string | null
  group_id: string | null
  /** Messages from others not read yet, from read marks kept per user (so right on every device). */
  unread: number
  last: LastMessage | null
}

interface Watched {
  ref: ConversationRef
  replica: Replica | null
  /** Only entries signed by their sender. */
  activity: VerifiedMap<ActivityEntry> | null
}

/**
 * Watches the index room of every conversation one is in: groups one belongs to and the
 * direct conversations listed in one's own room. Each index is tiny (one entry per sender).
 * NOTE: with the mux network all of them share one socket; with a socket per room, one each.
 * NOTE: the `last` preview (and the count) is shown only once the sender's signature over
 * their whole entry, bound to this room, verifies. Checking the message it names instead would
 * mean loading a bucket per conversation, which the list exists to avoid; and a preview alone
 * (140 characters) cannot be checked against the message's signature, which covers all of it.
 */
export class Inbox {
  private readonly watched = new Map<string, Watched>()
  private readonly conversations: ValidatedMap<ConversationEntry>
  private readonly reads: ValidatedMap<ReadMark>
  private closed = false

  constructor (
    private readonly me: string,
    private readonly userReplica: Replica,
    private readonly pool: ReplicaPool,
    private readonly keys: PublicKeys,
    private readonly myGroups: () => Group[],
    private readonly onChange: () => void
  ) {
    this.conversations = new ValidatedMap(userReplica.map(userConversations), parseConversationEntry(me))
    this.reads = new ValidatedMap(userReplica.map(userReads), parseReadMark)
    this.conversations.onChange(() => this.refresh())
    this.reads.onChange(() => this.onChange())
    this.refresh()
  }

  /** Re-reads which conversations to watch: call when one's groups change. */
  refresh (): void {
    if (this.closed) return
    const wanted = new Map<string, ConversationRef>()
    for (const group of this.myGroups()) {
      const ref = groupConversation(group.group_id)
      wanted.set(conversationRoom(ref), ref)
    }
    for (const entry of this.conversations.values()) {
      if (entry.conversation.kind === 'direct') wanted.set(entry.room, entry.conversation)
    }
    for (const [room, ref] of wanted) if (!this.watched.has(room)) this.watch(room, ref)
    for (const room of [...this.watched.keys()]) if (!wanted.has(room)) this.unwatch(room)
    this.onChange()
  }

  private watch (room: string, ref: ConversationRef): void {
    const watched: Watched = { ref, replica: null, activity: null }
    this.watched.set(room, watched)
    this.pool.acquire(room).then(replica => {
      if (this.watched.get(room) !== watched) {
        void this.pool.release(room)
        return
      }
      watched.replica = replica
      watched.activity = new VerifiedMap(replica.map(conversationActivity), (value, key) => {
        const parsed = parseActivity(value, key)
        // In a direct conversation only its two people send.
        return parsed.ok && ref.kind === 'direct' && !ref.user_ids.includes(key) ? { ok: false, reason: 'bad-recipient' } : parsed
      }, this.keys, { signerOf: entry => entry.sender_id, verify: (entry, publicKey) => verifyActivity(room, entry, publicKey) })
      watched.activity.onChange(() => this.onChange())
      this.onChange()
    }, () => { if (this.watched.get(room) === watched) this.watched.delete(room) })
  }

  private unwatch (room: string): void {
    const watched = this.watched.get(room)
    this.watched.delete(room)
    if (watched?.replica) {
      watched.activity?.destroy()
      void this.pool.release(room)
    }
  }

  /** Activity per sender in a watched conversation (empty while it loads). */
  activity (room: string): ActivityEntry[] {
    return [...this.watched.get(room)?.activity?.values() ?? []]
  }

  /** The other person of each direct conversation one is in. */
  directPeers (): string[] {
    const peers: string[] = []
    for (const { ref } of this.watched.values()) {
      if (ref.kind === 'direct') peers.push(ref.user_ids[0] === this.me ? ref.user_ids[1] : ref.user_ids[0])
    }
    return peers
  }

  /** Whether `room` is in one's own list (direct conversations only need adding). */
  lists (room: string): boolean { return this.conversations.has(room) }

  summary (room: string): ConversationSummary | null {
    const watched = this.watched.get(room)
    if (!watched) return null
    const read = this.reads.get(room)?.counts ?? {}
    let unread = 0
    let last: LastMessage | null = null
    for (const entry of watched.activity?.values() ?? []) {
      if (entry.sender_id !== this.me) unread += Math.max(0, entry.count - (read[entry.sender_id] ?? 0))
      if (entry.last && (!last || compareMessages(entry.last, last) > 0)) last = entry.last
    }
    const ref = watched.ref
    return {
      room,
      ref,
      peer_id: ref.kind === 'direct' ? ref.user_ids.find(id => id !== this.me) ?? null : null,
      group_id: ref.kind === 'group' ? ref.group_id : null,
      unread,
      last
    }
  }

  /** One's conversations, the most recently active first. */
  summaries (): ConversationSummary[] {
    const all = [...this.watched.keys()].map(room => this.summary(room)!)
    return all.sort((a, b) => (b.last?.created_at ?? '').localeCompare(a.last?.created_at ?? '') || a.room.localeCompare(b.room))
  }

  destroy (): void {
    this.closed = true
    for (const room of [...this.watched.keys()]) this.unwatch(room)
    this.conversations.destroy()
    this.reads.destroy()
  }
}
