// Thin clients of one-room-per-socket servers: the stock y-websocket server (sync handshake) and FLOOR (no handshake: bytes only).
import { ThinSocket } from './thin-client'

/** ws://host:port/<room>, each frame one y-websocket message. */
export class YwsThinClient extends ThinSocket {
  private constructor (system: 'stock' | 'floor', room: string, wsUrl: string) {
    super(system, room, `${wsUrl}/${room}`, [], system === 'stock')
  }

  static connect (system: 'stock' | 'floor', wsUrl: string, room: string): YwsThinClient {
    return new YwsThinClient(system, room, wsUrl)
  }

  protected opened (): void {
    // NOTE: the stock server sends its step 1 on connection; ours asks for its state too, as the upstream provider does.
    if (this.system === 'stock') this.sendMessage(Uint8Array.of(0, 0, 1, 0))
  }

  protected messageStart (): number { return 0 }
  protected frame (message: Uint8Array): Uint8Array { return message }
}
