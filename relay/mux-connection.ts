// Many rooms on one WebSocket (path /mux), so that a client in hundreds of conversations holds one socket.
import * as encoding from 'lib0/encoding'
import { decodeMuxFrame, encodeMessage, encodeMuxFrame, type MuxFrameParts } from '../shared/wire'
import { CloseCode, MAX_MUX_ROOMS, MessageType, MuxFrame, parseRoom } from '../shared/protocol'
import { Connection } from './connection'
import { RoomMembership, type Carrier } from './membership'

/** Each frame is [kind][room][payload] (see MuxFrame in shared/protocol.ts). */
export class MuxConnection extends Connection {
  private readonly joined = new Map<string, RoomMembership>()
  /** Rooms refused on this socket (bounded like memberships), whose late frames are ignored. */
  private readonly refused = new Set<string>()

  rooms (): Iterable<string> { return this.joined.keys() }
  memberships (): Iterable<RoomMembership> { return this.joined.values() }

  protected receive (frame: Uint8Array): void {
    let parts: MuxFrameParts
    try {
      parts = decodeMuxFrame(frame)
    } catch {
      this.fail(CloseCode.badMessage, 'malformed')
      return
    }
    const { kind, room, payload } = parts
    switch (kind) {
      case MuxFrame.join: return this.join(room)
      case MuxFrame.leave: return this.leave(room)
      case MuxFrame.message: {
        const membership = this.joined.get(room)
        // NOTE: a room refused a moment ago may still get the client's in-flight frames: dropped.
        if (!membership) return this.refused.has(room) ? undefined : this.fail(CloseCode.badMessage, 'message for a room not joined')
        membership.receive(payload)
        return
      }
      default:
        this.fail(CloseCode.badMessage, 'unknown-message-type')
    }
  }

  private join (room: string): void {
    if (this.joined.has(room)) return
    if (parseRoom(room) === null) return this.fail(CloseCode.badMessage, 'unknown room')
    if (this.joined.size >= MAX_MUX_ROOMS) return this.fail(CloseCode.badMessage, 'too many rooms')
    this.refused.delete(room)
    if (!this.countRoom()) return this.refuse(room, 'too-many-rooms')
    const carrier: Carrier = {
      send: message => this.sendFrame(muxMessageFrame(room, message)),
      fail: (code, reason) => this.fail(code, reason),
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
  private refuse (room: string, reason: string): void {
    if (this.refused.size < MAX_MUX_ROOMS) this.refused.add(room)
    this.sendFrame(encodeMuxFrame(MuxFrame.message, room, permissionDenied(reason)))
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
  const frame = encodeMuxFrame(MuxFrame.message, room, message)
  lastFramed = { room, message, frame }
  return frame
}

/** y-protocols' auth message: permission denied, and why. */
const permissionDenied = (reason: string): Uint8Array => encodeMessage(MessageType.auth, encoder => {
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarString(encoder, reason)
})
