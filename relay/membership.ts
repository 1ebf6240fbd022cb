// One peer's membership of one room, whatever socket carries it: access, loading, early frames, errors.
import { parseRoom, type CloseReason, type Refusal, type RoomRef, type RoomRefusal } from '../shared/protocol'
import type { Logger } from './log'
import { ProtocolViolation, Room, type Peer } from './room'
import type { RoomRegistry } from './rooms'
import type { AccessGate } from './access/access-gate'

/** A client sends a handful of frames before its room is ready (sync step 1, awareness); a flood is not a client. */
const MAX_EARLY_FRAMES = 256

/** What a membership needs from the connection that carries it. */
export interface Carrier {
  /** Sends one of this room's messages to the client. */
  send(message: Uint8Array): void
  /** Ends the connection for a reason the client is told (with that reason's close code). */
  fail(reason: CloseReason): void
  /** Tells the client it may not be in this room, and forgets the membership. */
  deny(reason: RoomRefusal): void
  readonly log: Logger
}

export interface MembershipContext {
  registry: RoomRegistry
  access: AccessGate
}

export class RoomMembership implements Peer {
  readonly awarenessClients = new Set<number>()
  private room: Room | null = null
  /** Frames that arrived while access was checked and the room loaded, handled in order once it is ready. */
  private early: Uint8Array[] | null = []
  private ended = false
  private refusalLogged = false
  private readonly ref: RoomRef

  constructor (
    readonly roomName: string,
    readonly user_id: string,
    private readonly context: MembershipContext,
    private readonly carrier: Carrier
  ) {
    const ref = parseRoom(roomName)
    if (ref === null) throw new Error(`not a room: ${roomName}`)
    this.ref = ref
    void this.start()
  }

  private async start (): Promise<void> {
    const { registry, access } = this.context
    let room: Room
    try {
      const refusal = await access.admit(this.user_id, this.ref)
      if (this.ended) return
      if (refusal !== null) return this.revoke(refusal)
      room = await registry.join(this.roomName, this)
    } catch (error) {
      this.carrier.log.error('room-load-failed', { room: this.roomName, error: (error as Error).message })
      this.carrier.fail('room-unloadable')
      return
    }
    if (this.ended) {
      registry.leave(room, this)
      return
    }
    this.room = room
    // Access may have changed while the room loaded (a member removed meanwhile).
    const refusal = access.check(this.user_id, this.ref)
    if (refusal !== null) return this.revoke(refusal)
    this.handleEarly()
  }

  send (message: Uint8Array): void {
    if (!this.ended) this.carrier.send(message)
  }

  receive (message: Uint8Array): void {
    if (this.ended) return
    if (this.early === null && this.room!.resting && Room.needsDocument(message)) {
      // The room's document rests (idle): this frame and those after it wait until it is back.
      this.early = []
      void this.wake(this.room!)
    }
    if (this.early === null) {
      this.handle(message)
    } else if (this.early.length < MAX_EARLY_FRAMES) {
      this.early.push(message)
    } else {
      this.carrier.fail('too-many-early-frames')
    }
  }

  private async wake (room: Room): Promise<void> {
    try {
      await room.wake()
    } catch (error) {
      if (this.ended) return
      this.carrier.log.error('room-load-failed', { room: this.roomName, error: (error as Error).message })
      this.carrier.fail('room-unloadable')
      return
    }
    this.handleEarly()
  }

  /** Handles, in order, the frames that waited for the room (they may not wait again: the room is awake now). */
  private handleEarly (): void {
    const early = this.early ?? []
    this.early = null
    for (const message of early) if (!this.ended) this.handle(message)
  }

  private handle (message: Uint8Array): void {
    try {
      this.room!.receive(this, message)
    } catch (error) {
      if (error instanceof ProtocolViolation) {
        this.carrier.fail(error.reason)
        return
      }
      // A bug of ours must cost this connection, never the process.
      this.carrier.log.error('internal-error', { room: this.roomName, error: (error as Error).stack ?? String(error) })
      this.carrier.fail('internal-error')
    }
  }

  /** Whether the user may still be here, by the directory as it stands; revokes the membership if not. */
  recheck (): void {
    if (this.ended || this.room === null) return
    const refusal = this.context.access.check(this.user_id, this.ref)
    if (refusal !== null) this.revoke(refusal)
  }

  /** Logs the first refused update or presence message of this membership: once is enough. */
  refused (refusal: Refusal): void {
    if (this.refusalLogged) return
    this.refusalLogged = true
    this.carrier.log.warn('update-refused', { room: this.roomName, user: this.user_id, scope: refusal.scope, reason: refusal.reason })
  }

  revoke (reason: RoomRefusal): void {
    if (this.ended) return
    this.end()
    this.carrier.log.info('room-refused', { room: this.roomName, user: this.user_id, reason })
    this.carrier.deny(reason)
  }

  /** Leaves the room (its presence goes with it); nothing more is sent or received. */
  end (): void {
    if (this.ended) return
    this.ended = true
    this.early = null
    if (this.room) this.context.registry.leave(this.room, this)
  }
}
