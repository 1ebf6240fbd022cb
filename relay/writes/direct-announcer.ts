// The relay's one write of its own: a direct conversation joins the other person's list when it starts.
import { timestamp } from '../../shared/time'
import { conversationRoom, userRoom, type ConversationRef } from '../../shared/protocol'
import { userConversations } from '../../shared/schema'
import { RELAY_ORIGIN } from '../../shared/origin'
import type { Peer, Room } from '../room'
import type { RoomRegistry } from '../rooms'

/** Conversations known to be announced, remembered so that most messages cost nothing here. */
const REMEMBERED = 10_000

/**
 * NOTE: nobody but its owner may write to someone's own room, so a first message from someone
 * new cannot be announced by its sender: the relay does it, when a participant writes to the
 * conversation's index (which a client does when it sends).
 */
export class DirectAnnouncer {
  private readonly announced = new Set<string>()

  constructor (private readonly registry: RoomRegistry) {}

  readonly noteWrite = (room: Room, peer: Peer): void => {
    if (room.ref.kind !== 'conversation' || room.ref.conversation.kind !== 'direct') return
    const { conversation } = room.ref
    const other = conversation.user_ids.find(id => id !== peer.user_id)
    if (other === undefined || this.announced.has(`${room.name} ${other}`)) return
    void this.announce(conversation, other).catch(() => {})
  }

  private async announce (conversation: ConversationRef, user_id: string): Promise<void> {
    const name = conversationRoom(conversation)
    await this.registry.withRoom(userRoom(user_id), own => {
      const list = userConversations(own.doc)
      if (!list.has(name)) own.doc.transact(() => list.set(name, { added_at: timestamp() }), RELAY_ORIGIN)
      if (this.announced.size >= REMEMBERED) this.announced.clear()
      this.announced.add(`${name} ${user_id}`)
    })
  }
}
