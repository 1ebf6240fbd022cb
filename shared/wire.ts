// Wire formats in one place: y-websocket messages, and frames of the multiplexed socket (/mux).
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** A y-websocket message: its type (MessageType), then what `write` puts after it. */
export const encodeMessage = (type: number, write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** One client's entry of a y-protocols awareness update; `state` is its JSON ('null' once it left). */
export interface AwarenessWireEntry {
  client: number
  clock: number
  state: string
}

/** y-protocols' awareness update (count, then client, clock and state of each), as a y-websocket awareness message. */
export const encodeAwarenessMessage = (type: number, entries: readonly AwarenessWireEntry[]): Uint8Array =>
  encodeMessage(type, encoder => encoding.writeVarUint8Array(encoder, encoding.encode(update => {
    encoding.writeVarUint(update, entries.length)
    for (const { client, clock, state } of entries) {
      encoding.writeVarUint(update, client)
      encoding.writeVarUint(update, clock)
      encoding.writeVarString(update, state)
    }
  })))

/** A mux frame is [kind][room][payload]. */
export interface MuxFrameParts {
  kind: number
  room: string
  /** For a message frame, a y-websocket message of the room; empty otherwise. */
  payload: Uint8Array
}

export const encodeMuxFrame = (kind: number, room: string, payload?: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kind)
  encoding.writeVarString(encoder, room)
  const head = encoding.toUint8Array(encoder)
  if (!payload || payload.length === 0) return head
  // NOTE: the payload is copied once (through lib0's encoder a large one is copied twice).
  const frame = new Uint8Array(head.length + payload.length)
  frame.set(head)
  frame.set(payload, head.length)
  return frame
}

/** Throws on a frame too short to hold a kind and a room. */
export const decodeMuxFrame = (frame: Uint8Array): MuxFrameParts => {
  const decoder = decoding.createDecoder(frame)
  const kind = decoding.readVarUint(decoder)
  const room = decoding.readVarString(decoder)
  return { kind, room, payload: decoding.readTailAsUint8Array(decoder) }
}
