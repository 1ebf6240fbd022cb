// What the relay is known to hold of each Yjs client, read off the sync messages it sends.
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'

export class RelayState {
  private readonly clocks = new Map<number, number>()

  /**
   * Notes one sync message from the relay (decoder positioned after the message type),
   * without consuming it: its step 1 carries the relay's state vector, and the updates it
   * sends are echoes of what it has written. Returns whether anything advanced.
   */
  note (decoder: decoding.Decoder): boolean {
    try {
      const reader = decoding.clone(decoder)
      const type = decoding.readVarUint(reader)
      const payload = decoding.readVarUint8Array(reader)
      const clocks = type === syncProtocol.messageYjsSyncStep1 ? Y.decodeStateVector(payload) : Y.parseUpdateMeta(payload).to
      let advanced = false
      for (const [client, clock] of clocks) {
        if (clock > (this.clocks.get(client) ?? 0)) {
          this.clocks.set(client, clock)
          advanced = true
        }
      }
      return advanced
    } catch {
      // A malformed message is the sync handler's to reject; it only teaches us nothing.
      return false
    }
  }

  /** The clock up to which the relay holds this client's updates. */
  acknowledged (client: number): number { return this.clocks.get(client) ?? 0 }
}
