// One peer's membership of one room, whatever socket carries it: loading, early frames, errors.
import { CloseCode } from '../shared/protocol'
import type { Logger } from './log'
import { ProtocolViolation, type Peer, type Room } from './room'
import type { RoomRegistry } from './rooms'

/** A client sends a handful of frames before its room is ready (sync step 1, awareness); a flood is not a client. */
const MAX_EARLY_FRAMES = 256

/** What a membership needs from the connection that carries it. */
export interface Carrier {
  /** Sends one of this room's messages to the client. */
  send(message: Uint8Array): void
  /** Ends the connection for a reason the client is told (a close code and reason). */
  fail(code: number, reason: string): void
  readonly log: Logger
}

export class RoomMembership implements Peer {
  readonly awarenessClients = new Set<number>()
  private room: Room | null = null
  /** Frames that arrived while the room was loading, handled in order once it is ready. */
  private early: Uint8Array[] | null = []
  private ended = false

  constructor (
    readonly roomName: string,
    private readonly registry: RoomRegistry,
    private readonly carrier: Carrier
  ) {
    registry.join(roomName, this).then(room => {
      if (this.ended) {
        registry.leave(room, this)
        return
      }
      this.room = room
      const early = this.early ?? []
      this.early = null
      for (const message of early) if (!this.ended) this.handle(message)
    }, (error: Error) => {
      carrier.log.error('room-load-failed', { room: roomName, error: error.message })
      carrier.fail(CloseCode.storageFailure, 'room could not be loaded')
    })
  }

  send (message: Uint8Array): void {
    if (!this.ended) this.carrier.send(message)
  }

  receive (message: Uint8Array): void {
    if (this.ended) return
    if (this.early === null) {
      this.handle(message)
    } else if (this.early.length < MAX_EARLY_FRAMES) {
      this.early.push(message)
    } else {
      this.carrier.fail(CloseCode.badMessage, 'too many frames before the room loaded')
    }
  }

  private handle (message: Uint8Array): void {
    try {
      this.room!.receive(this, message)
    } catch (error) {
      if (error instanceof ProtocolViolation) {
        this.carrier.fail(CloseCode.badMessage, error.reason)
        return
      }
      // A bug of ours must cost this connection, never the process.
      this.carrier.log.error('internal-error', { room: this.roomName, error: (error as Error).stack ?? String(error) })
      this.carrier.fail(CloseCode.internalError, 'internal error')
    }
  }

  /** Leaves the room (its presence goes with it); nothing more is sent or received. */
  end (): void {
    if (this.ended) return
    this.ended = true
    if (this.room) this.registry.leave(this.room, this)
  }
}
