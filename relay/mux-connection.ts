// Many rooms on one WebSocket (path /mux), so that a client in hundreds of conversations holds one socket.
import type { Duplex } from 'node:stream'
import type WebSocket from 'ws'
import {
  MAX_MUX_ROOMS, decodeMuxFrame, encodeMuxFrame, encodeRefusalMessage, parseRoom, type PeopleAnswer, type PeopleQuery, type RoomRefusal
} from '../shared/protocol'
import type { AuthenticatedUser } from './auth/authenticate'
import { Connection, type ConnectionContext } from './connection'
import type { SearchAllowance } from './limits/search-allowance'
import { RoomMembership, type Carrier } from './membership'
import type { PeopleDirectory } from './people/people-directory'

export interface MuxConnectionContext extends ConnectionContext {
  /** Answers searches for people; only the mux socket carries them. */
  people: PeopleDirectory
  /** How often each user may search, over all their connections. */
  searches: SearchAllowance
}

/**
 * Each frame joins or leaves a room, or carries one message of a joined room, or is a search for
 * people (shared/protocol/mux-frames.ts).
 */
export class MuxConnection extends Connection {
  private readonly joined = new Map<string, RoomMembership>()
  /** Rooms refused on this socket (bounded like memberships), whose late frames are ignored. */
  private readonly refused = new Set<string>()
  private readonly people: PeopleDirectory
  private readonly searches: SearchAllowance

  constructor (socket: WebSocket, stream: Duplex, address: string, user: AuthenticatedUser, context: MuxConnectionContext) {
    super(socket, stream, address, user, context)
    this.people = context.people
    this.searches = context.searches
  }

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
      case 'search': return this.answerSearch(frame.query)
      // Only the relay answers searches.
      case 'people': return this.fail('unknown-message-type')
    }
  }

  /** Answers a search with a page of people, or why not: searching too often is refused, never closed. */
  private answerSearch (query: PeopleQuery): void {
    const answer: PeopleAnswer = this.searches.take(this.user.user_id)
      ? this.people.answer(query)
      : { id: query.id, ok: false, reason: 'rate-limited' }
    this.sendFrame(encodeMuxFrame({ kind: 'people', answer }))
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

