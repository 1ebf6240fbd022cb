// Thin Parley client: the multiplexed socket (/mux) with a fresh signed token, joined to one room.
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import type { Identity } from '../../shared/identity'
import { MUX_FRAME_CODES, MUX_PATH, encodeMuxFrame, encodeRawMuxFrame, parseRefusal } from '../../shared/protocol'
import { EMPTY_SYNC_STEP_1, MESSAGE_AUTH, ThinSocket, readVarString, readVarUint, type RoomMessage } from './thin-client'

export class ParleyThinClient extends ThinSocket {
  private readonly header: Uint8Array

  private constructor (room: string, url: string, protocols: string[], readonly identity: Identity) {
    super('parley', room, url, protocols, true)
    // [kind = message][room]: the start of every frame this client sends.
    this.header = encodeRawMuxFrame(MUX_FRAME_CODES.message, room)
  }

  /** Connects as `identity` (a token per connection, as the app does) and joins `room`, which must be a Parley room name. */
  static async connect (wsUrl: string, room: string, identity: Identity): Promise<ParleyThinClient> {
    const url = `${wsUrl}/${MUX_PATH}`
    const token = await createConnectToken(identity, url)
    return new ParleyThinClient(room, url, connectProtocols(token), identity)
  }

  protected opened (): void {
    this.sendFrame(encodeMuxFrame({ kind: 'join', room: this.room }))
    this.sendMessage(EMPTY_SYNC_STEP_1)
  }

  protected messageStart (frame: Buffer): number {
    const [kind, afterKind] = readVarUint(frame, 0)
    if (kind !== MUX_FRAME_CODES.message) return -1
    const [room, start] = readVarString(frame, afterKind)
    return room === this.room ? start : -1
  }

  protected frame (message: Uint8Array): Uint8Array {
    const frame = new Uint8Array(this.header.length + message.length)
    frame.set(this.header)
    frame.set(message, this.header.length)
    return frame
  }

  protected override handshake (message: RoomMessage): void {
    if (message.type === MESSAGE_AUTH) {
      // y-protocols' permission denied: varUint 0, then the reason.
      const reason = readVarString(message.bytes, 2)[0]
      const scope = parseRefusal(reason)?.scope
      this.refused(reason, scope !== 'update' && scope !== 'presence')
      return
    }
    super.handshake(message)
  }
}
