// Frames of the multiplexed socket (ws://host/mux): many rooms on one WebSocket, each frame naming its room.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodePeopleAnswer, decodePeopleQuery, encodePeopleAnswer, encodePeopleQuery, type PeopleAnswer, type PeopleQuery } from './people'

/** The multiplexed endpoint's path. */
export const MUX_PATH = 'mux'

/** Rooms one mux socket may be in at once. */
export const MAX_MUX_ROOMS = 2000

/**
 * A frame: join or leave a room, or one y-websocket message of a room the socket is in; or a
 * search for people and its answer (people.ts), which belong to no room (their room is '').
 */
export type MuxFrame =
  | { kind: 'join'; room: string }
  | { kind: 'leave'; room: string }
  | { kind: 'message'; room: string; payload: Uint8Array }
  | { kind: 'search'; query: PeopleQuery }
  | { kind: 'people'; answer: PeopleAnswer }

export type MuxFrameKind = MuxFrame['kind']

/** Each kind's number on the wire: a frame is varUint kind, varString room, then a payload (message, search, people). */
export const MUX_FRAME_CODES: Readonly<Record<MuxFrameKind, number>> = { message: 0, join: 1, leave: 2, search: 3, people: 4 }

const KINDS: readonly MuxFrameKind[] = ['message', 'join', 'leave', 'search', 'people']

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

export const encodeMuxFrame = (frame: MuxFrame): Uint8Array => {
  const code = MUX_FRAME_CODES[frame.kind]
  switch (frame.kind) {
    case 'message': return encodeRawMuxFrame(code, frame.room, frame.payload)
    case 'search': return encodeRawMuxFrame(code, '', encodePeopleQuery(frame.query))
    case 'people': return encodeRawMuxFrame(code, '', encodePeopleAnswer(frame.answer))
    default: return encodeRawMuxFrame(code, frame.room)
  }
}

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
  switch (kind) {
    case undefined: return 'unknown-message-type'
    case 'message': return { kind, room, payload }
    case 'search': {
      const query = room === '' ? decodePeopleQuery(payload) : null
      return query === null ? 'malformed' : { kind, query }
    }
    case 'people': {
      const answer = room === '' ? decodePeopleAnswer(payload) : null
      return answer === null ? 'malformed' : { kind, answer }
    }
    default: return { kind, room }
  }
}
