// y-websocket's messages of one room, each with its codec: sync, awareness, query-awareness and permission denied (a refusal).
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { formatRefusal, parseRefusal, type Refusal } from './refusals'

/** y-websocket's top-level message types (what the upstream WebsocketProvider speaks). */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3
} as const

/** y-protocols' sync steps: the second varUint of a sync message. */
export const SyncStep = {
  step1: 0,
  step2: 1,
  update: 2
} as const

/** y-protocols/auth's only message, the second varUint of an auth message. */
const PERMISSION_DENIED = 0

/** A y-websocket message: its type (MessageType), then what `write` puts after it. */
export const encodeMessage = (type: number, write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** A sync message: `write` adds the step and its payload (y-protocols' writeSyncStep1, writeUpdate, …). */
export const encodeSyncMessage = (write: (encoder: encoding.Encoder) => void): Uint8Array => encodeMessage(MessageType.sync, write)

/** A sync message of one step and its payload (a state vector for step 1, an update otherwise). */
export const encodeSyncStep = (step: number, payload: Uint8Array): Uint8Array => encodeSyncMessage(encoder => {
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
})

/** An awareness message carrying y-protocols' encoded awareness update. */
export const encodeAwarenessMessage = (update: Uint8Array): Uint8Array =>
  encodeMessage(MessageType.awareness, encoder => encoding.writeVarUint8Array(encoder, update))

/** Asks for everyone's presence in the room. */
export const encodeQueryAwarenessMessage = (): Uint8Array => encodeMessage(MessageType.queryAwareness, () => {})

/** One client's entry of a y-protocols awareness update; `state` is its JSON ('null' once it left). */
export interface AwarenessWireEntry {
  client: number
  clock: number
  state: string
}

/** y-protocols' awareness update (count, then client, clock and state of each), as an awareness message. */
export const encodeAwarenessEntries = (entries: readonly AwarenessWireEntry[]): Uint8Array =>
  encodeAwarenessMessage(encoding.encode(update => {
    encoding.writeVarUint(update, entries.length)
    for (const { client, clock, state } of entries) {
      encoding.writeVarUint(update, client)
      encoding.writeVarUint(update, clock)
      encoding.writeVarString(update, state)
    }
  }))

/** y-protocols' permission-denied message with any text (for hand-made frames; the relay sends encodeRefusalMessage). */
export const encodePermissionDenied = (text: string): Uint8Array => encodeMessage(MessageType.auth, encoder => {
  encoding.writeVarUint(encoder, PERMISSION_DENIED)
  encoding.writeVarString(encoder, text)
})

/** Tells a client that the relay refused its update, its presence, or the room. */
export const encodeRefusalMessage = (refusal: Refusal): Uint8Array => encodePermissionDenied(formatRefusal(refusal))

/**
 * Reads an auth message after its type: the refusal it carries, or null for anything else (not
 * permission denied, truncated, or a reason this version does not know).
 */
export const readRefusal = (decoder: decoding.Decoder): Refusal | null => {
  try {
    return decoding.readVarUint(decoder) === PERMISSION_DENIED ? parseRefusal(decoding.readVarString(decoder)) : null
  } catch {
    return null
  }
}
