// Following new messages as they arrive, in one conversation or in all of one's conversations: what a bot listens with.
import type { Conversation } from '../client/conversation/conversation'
import type { ParleyClient } from '../client/parley'
import type { Message } from '../shared/model'
import { conversationRoom, type ConversationRef } from '../shared/protocol'

export interface FollowOptions {
  /** One conversation; every conversation one is in (as they appear) when left out. */
  conversation?: ConversationRef
  /** Called once for each new message, oldest first within a conversation. */
  onMessage(message: Message): void
  /** A conversation that could not be opened or read (e.g. the relay refuses it). */
  onError?(error: unknown): void
}

/** How many of a conversation's newest messages are compared on each change. */
const PAGE = 100

interface Followed {
  conversation: Conversation | null
  /** Ids of the messages already reported, or there before listening began: among the newest page only. */
  seen: Set<string>
  unsubscribe: () => void
  scanning: boolean
  rescan: boolean
}

/**
 * Reports messages that arrive after it starts, each once (edits and deletes are not new
 * messages). NOTE: when a conversation is first opened, which may be later (a new direct
 * conversation, a group one was added to), its messages created since the start are reported
 * too; "since" is by the sender's clock, so a sender whose clock is far behind may be missed
 * there. Resolves once following has begun, with the function that stops it.
 */
export const followNewMessages = async (client: ParleyClient, options: FollowOptions): Promise<() => Promise<void>> => {
  const startedAt = new Date().toISOString()
  const followed = new Map<string, Followed>()
  const opening = new Set<Promise<void>>()
  let stopped = false

  const scan = async (entry: Followed): Promise<void> => {
    if (entry.scanning) {
      entry.rescan = true
      return
    }
    entry.scanning = true
    try {
      do {
        entry.rescan = false
        const { messages } = await entry.conversation!.history({ limit: PAGE })
        if (stopped) return
        for (const message of [...messages].reverse()) {
          if (!entry.seen.has(message.message_id)) options.onMessage(message)
        }
        entry.seen = new Set(messages.map(message => message.message_id))
      } while (entry.rescan && !stopped)
    } catch (error) {
      if (!stopped) options.onError?.(error)
    } finally {
      entry.scanning = false
    }
  }

  const open = async (ref: ConversationRef, entry: Followed): Promise<void> => {
    try {
      const conversation = await client.openConversation(ref)
      if (stopped) {
        await conversation.close()
        return
      }
      const { messages } = await conversation.history({ limit: PAGE })
      entry.conversation = conversation
      entry.seen = new Set(messages.filter(message => message.created_at < startedAt).map(message => message.message_id))
      entry.unsubscribe = conversation.subscribe(() => void scan(entry))
      await scan(entry)
    } catch (error) {
      if (!stopped) options.onError?.(error)
    }
  }

  const follow = (ref: ConversationRef): void => {
    const room = conversationRoom(ref)
    if (stopped || followed.has(room)) return
    const entry: Followed = { conversation: null, seen: new Set(), unsubscribe: () => {}, scanning: false, rescan: false }
    followed.set(room, entry)
    const opened = open(ref, entry).finally(() => opening.delete(opened))
    opening.add(opened)
  }

  let unsubscribeClient = (): void => {}
  if (options.conversation) {
    follow(options.conversation)
  } else {
    const followAll = () => { for (const summary of client.conversations()) follow(summary.ref) }
    unsubscribeClient = client.subscribe(change => { if (change === 'conversations') followAll() })
    followAll()
  }
  await Promise.all([...opening])

  return async () => {
    if (stopped) return
    stopped = true
    unsubscribeClient()
    await Promise.all([...opening])
    await Promise.all([...followed.values()].map(async entry => {
      entry.unsubscribe()
      await entry.conversation?.close()
    }))
  }
}
