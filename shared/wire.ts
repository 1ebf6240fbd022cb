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
  if (payload) encoding.writeUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Throws on a frame too short to hold a kind and a room. */
export const decodeMuxFrame = (frame: Uint8Array): MuxFrameParts => {
  const decoder = decoding.createDecoder(frame)
  const kind = decoding.readVarUint(decoder)
  const room = decoding.readVarString(decoder)
  return { kind, room, payload: decoding.readTailAsUint8Array(decoder) }
}
