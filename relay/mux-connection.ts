// Many rooms on one WebSocket (path /mux), so that a client in hundreds of conversations holds one socket.
import { MAX_MUX_ROOMS, decodeMuxFrame, encodeMuxFrame, encodeRefusalMessage, parseRoom, type RoomRefusal } from '../shared/protocol'
import { Connection } from './connection'
import { RoomMembership, type Carrier } from './membership'

/** Each frame joins or leaves a room, or carries one message of a joined room (shared/protocol/mux-frames.ts). */
export class MuxConnection extends Connection {
  private readonly joined = new Map<string, RoomMembership>()
  /** Rooms refused on this socket (bounded like memberships), whose late frames are ignored. */
  private readonly refused = new Set<string>()

  rooms (): Iterable<string> { return this.joined.keys() }
  memberships (): Iterable<RoomMembership> { return this.joined.values() }

  protected receive (bytes: Uint8Array): void {
    const frame = decodeMuxFrame(bytes)
    if (typeof frame === 'string') return this.fail(frame)
    switch (frame.kind) {
      case 'join': return this.join(frame.room)
      case 'leave': return this.leave(frame.room)
      case 'message': {
        const membership = this.joined.get(frame.room)
        // NOTE: a room refused a moment ago may still get the client's in-flight frames: dropped.
        if (!membership) return this.refused.has(frame.room) ? undefined : this.fail('not-joined')
        membership.receive(frame.payload)
        return
      }
      // Searches are answered once the relay keeps a people index (relay/people/).
      case 'search': return this.fail('unknown-message-type')
      // Only the relay answers.
      case 'people': return this.fail('unknown-message-type')
    }
  }

  private join (room: string): void {
    if (this.joined.has(room)) return
    if (parseRoom(room) === null) return this.fail('unknown-room')
    if (this.joined.size >= MAX_MUX_ROOMS) return this.fail('too-many-rooms-on-socket')
    this.refused.delete(room)
    if (!this.countRoom()) return this.refuse(room, 'too-many-rooms')
    const carrier: Carrier = {
      send: message => this.sendFrame(muxMessageFrame(room, message)),
      fail: reason => this.fail(reason),
      deny: reason => {
        if (this.joined.get(room) !== membership) return
        this.joined.delete(room)
        this.uncountRoom()
        this.refuse(room, reason)
      },
      log: this.context.log
    }
    const membership = new RoomMembership(room, this.user.user_id, this.context, carrier)
    this.joined.set(room, membership)
  }

  private leave (room: string): void {
    const membership = this.joined.get(room)
    if (!membership) return
    membership.end()
    this.joined.delete(room)
    this.uncountRoom()
  }

  /** Tells the client it may not be in `room`, in that room's own words (y-protocols' auth message). */
  private refuse (room: string, reason: RoomRefusal): void {
    if (this.refused.size < MAX_MUX_ROOMS) this.refused.add(room)
    this.sendFrame(encodeMuxFrame({ kind: 'message', room, payload: encodeRefusalMessage({ scope: 'room', reason }) }))
  }

  protected endMemberships (): void {
    for (const membership of this.joined.values()) {
      membership.end()
      this.uncountRoom()
    }
    this.joined.clear()
  }
}

/**
 * The mux frame of the message framed last. NOTE: a broadcast hands the very same message to
 * every peer of the room, one after another: it is framed once, not once per peer (a tenth of
 * the relay's time at 100 members). Messages are never changed once made, so reuse is safe.
 */
let lastFramed: { room: string; message: Uint8Array; frame: Uint8Array } | null = null

const muxMessageFrame = (room: string, message: Uint8Array): Uint8Array => {
  if (lastFramed?.message === message && lastFramed.room === room) return lastFramed.frame
  const frame = encodeMuxFrame({ kind: 'message', room, payload: message })
  lastFramed = { room, message, frame }
  return frame
}

