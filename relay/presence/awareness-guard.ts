// Presence from a connection: only its own user's states, under client ids nobody else holds, a few per room.
import * as decoding from 'lib0/decoding'
import type { PresenceRefusal } from '../../shared/protocol'

export type { PresenceRefusal }


/** A presence state is a small JSON object ({ user_id } or { user_id, typing }). */
const MAX_STATE_LENGTH = 1024

export interface AwarenessEntry {
  client: number
  clock: number
  /** The state, or null when the client says it has left. */
  state: Record<string, unknown> | null
}

/** Reads y-protocols' awareness update: count, then client, clock and JSON state for each. */
export const readAwarenessUpdate = (update: Uint8Array): AwarenessEntry[] | null => {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const client = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const text = decoding.readVarString(decoder)
      if (text.length > MAX_STATE_LENGTH) return null
      const state = JSON.parse(text) as unknown
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) return null
      entries.push({ client, clock, state: state as Record<string, unknown> | null })
    }
    return decoding.hasContent(decoder) ? null : entries
  } catch {
    return null
  }
}

export interface PresenceContext {
  user_id: string
  /** Client ids this connection has published in the room. */
  own: ReadonlySet<number>
  /** Which user holds a client id in the room (RoomPresence.holderOf). */
  holderOf: (client: number) => string | undefined
  maxEntries: number
  /** The one user who may be present here (a profile room: its owner's online state), if any. */
  only?: string
}

/**
 * Null when every entry is the connection's own to publish: its user's state, under a client
 * id nobody else holds (RoomPresence.holderOf).
 */
export const judgePresence = (entries: AwarenessEntry[], context: PresenceContext): PresenceRefusal | null => {
  // Not even a removal: the relay would remember each removed client id for the room.
  if (context.only !== undefined && context.only !== context.user_id && entries.length > 0) return 'not-your-presence'
  let added = 0
  for (const { client, state } of entries) {
    const holder = context.holderOf(client)
    if (holder !== undefined && holder !== context.user_id) return 'taken-client-id'
    if (state !== null && (state.user_id !== context.user_id || (context.only !== undefined && context.only !== context.user_id))) return 'not-your-presence'
    if (!context.own.has(client)) added += 1
  }
  return context.own.size + added > context.maxEntries ? 'too-many-presence-entries' : null
}
