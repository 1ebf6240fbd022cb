// Frames of the multiplexed socket (ws://host/mux): many rooms on one WebSocket, each frame naming its room.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** The multiplexed endpoint's path. */
export const MUX_PATH = 'mux'

/** Rooms one mux socket may be in at once. */
export const MAX_MUX_ROOMS = 2000

/** A frame: join or leave a room, or one y-websocket message of a room the socket is in. */
export type MuxFrame =
  | { kind: 'join'; room: string }
  | { kind: 'leave'; room: string }
  | { kind: 'message'; room: string; payload: Uint8Array }

export type MuxFrameKind = MuxFrame['kind']

/** Each kind's number on the wire: a frame is varUint kind, varString room, then a message frame's payload. */
export const MUX_FRAME_CODES: Readonly<Record<MuxFrameKind, number>> = { message: 0, join: 1, leave: 2 }

const KINDS: readonly MuxFrameKind[] = ['message', 'join', 'leave']

/** The bytes of a frame of any kind number (tests send unknown kinds with this). */
export const encodeRawMuxFrame = (code: number, room: string, payload?: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, code)
  encoding.writeVarString(encoder, room)
  const head = encoding.toUint8Array(encoder)
  if (!payload || payload.length === 0) return head
  // NOTE: the payload is copied once (through lib0's encoder a large one is copied twice).
  const frame = new Uint8Array(head.length + payload.length)
  frame.set(head)
  frame.set(payload, head.length)
  return frame
}

export const encodeMuxFrame = (frame: MuxFrame): Uint8Array =>
  encodeRawMuxFrame(MUX_FRAME_CODES[frame.kind], frame.room, frame.kind === 'message' ? frame.payload : undefined)

/**
 * Reads a frame; 'malformed' when it is too short to hold a kind and a room, 'unknown-message-type'
 * for a kind this version does not know. A message frame's payload is a view into `bytes`.
 */
export const decodeMuxFrame = (bytes: Uint8Array): MuxFrame | 'malformed' | 'unknown-message-type' => {
  let code: number
  let room: string
  let payload: Uint8Array
  try {
    const decoder = decoding.createDecoder(bytes)
    code = decoding.readVarUint(decoder)
    room = decoding.readVarString(decoder)
    payload = decoding.readTailAsUint8Array(decoder)
  } catch {
    return 'malformed'
  }
  const kind = KINDS[code]
  if (kind === undefined) return 'unknown-message-type'
  return kind === 'message' ? { kind, room, payload } : { kind, room }
}
