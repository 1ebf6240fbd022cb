// Thin Hocuspocus client: every message carries the document name first; the first one authenticates (any token: no onAuthenticate hook).
import { EMPTY_SYNC_STEP_1, MESSAGE_AUTH, ThinSocket, readVarString, readVarUint, type RoomMessage } from './thin-client'

/** @hocuspocus/common's AuthMessageType. */
const AUTH_TOKEN = 0
const AUTH_PERMISSION_DENIED = 1

const encodeString = (text: string): Uint8Array => {
  const bytes = Buffer.from(text, 'utf8')
  const head: number[] = []
  let length = bytes.length
  while (length > 0x7f) {
    head.push((length & 0x7f) | 0x80)
    length = Math.floor(length / 128)
  }
  head.push(length)
  return Buffer.concat([Uint8Array.from(head), bytes])
}

export class HocuspocusThinClient extends ThinSocket {
  private readonly prefix: Uint8Array

  private constructor (room: string, wsUrl: string) {
    super('hocuspocus', room, wsUrl, [], true)
    this.prefix = encodeString(room)
  }

  /** One socket per document, as the provider opens by default. */
  static connect (wsUrl: string, room: string): HocuspocusThinClient {
    return new HocuspocusThinClient(room, wsUrl)
  }

  protected opened (): void {
    // Authenticate with an empty token, then ask for the document (queued by the server until authenticated).
    this.sendMessage(Buffer.concat([Uint8Array.of(MESSAGE_AUTH, AUTH_TOKEN), encodeString('')]))
    this.sendMessage(EMPTY_SYNC_STEP_1)
  }

  protected messageStart (frame: Buffer): number {
    const [name, start] = readVarString(frame, 0)
    return name === this.room ? start : -1
  }

  protected frame (message: Uint8Array): Uint8Array {
    const frame = new Uint8Array(this.prefix.length + message.length)
    frame.set(this.prefix)
    frame.set(message, this.prefix.length)
    return frame
  }

  protected override handshake (message: RoomMessage): void {
    if (message.type === MESSAGE_AUTH) {
      const [kind, offset] = readVarUint(message.bytes, 1)
      if (kind === AUTH_PERMISSION_DENIED) this.refused(readVarString(message.bytes, offset)[0], true)
      return
    }
    super.handshake(message)
  }
}
