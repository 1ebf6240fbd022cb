// Awareness (presence) on the wire for thin clients: y-protocols' awareness update, written and read without an Awareness instance.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** One entry of an awareness update: a client id, its clock, and its state (null: the client left). */
export interface PresenceEntry {
  client: number
  clock: number
  state: Record<string, unknown> | null
}

/** y-protocols' encodeAwarenessUpdate format: count, then client, clock and JSON state of each. */
export const encodePresence = (entries: readonly PresenceEntry[]): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, entries.length)
  for (const { client, clock, state } of entries) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, JSON.stringify(state))
  }
})

/**
 * The entries of an awareness message (type 1, then the update as a varUint8Array), or null
 * for anything else. NOTE: states are not parsed (JSON.parse of every renewal would cost the
 * generator more than the relay); `left` tells a removal ('null') from a state.
 */
export const readPresenceMessage = (message: Uint8Array): Array<{ client: number; clock: number; left: boolean }> | null => {
  try {
    const decoder = decoding.createDecoder(message)
    if (decoding.readVarUint(decoder) !== 1) return null
    const update = decoding.readVarUint8Array(decoder)
    const inner = decoding.createDecoder(update)
    const count = decoding.readVarUint(inner)
    const entries: Array<{ client: number; clock: number; left: boolean }> = []
    for (let i = 0; i < count; i++) {
      const client = decoding.readVarUint(inner)
      const clock = decoding.readVarUint(inner)
      const state = decoding.readVarString(inner)
      entries.push({ client, clock, left: state === 'null' })
    }
    return entries
  } catch {
    return null
  }
}

/** A Yjs-style client id: a random unsigned 32-bit integer (distinct per connection in practice). */
export const randomClientId = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!

/**
 * The presence one thin client publishes in one room, renewed as y-protocols renews it: the same
 * state under the next clock. `state` is what the app would publish ({ user_id } online,
 * { user_id, typing } in a conversation).
 */
export class PresenceState {
  readonly client = randomClientId()
  private clock = 0

  constructor (public state: Record<string, unknown>) {}

  /** The update that publishes (or renews) the state: every call advances the clock. */
  next (): Uint8Array {
    this.clock += 1
    return encodePresence([{ client: this.client, clock: this.clock, state: this.state }])
  }

  /** The update that says this client left (what a relay sends for it when its socket closes). */
  leave (): Uint8Array {
    this.clock += 1
    return encodePresence([{ client: this.client, clock: this.clock, state: null }])
  }
}

/**
 * A typist as a y-protocols app makes one: a `{ typing: true }` update on every keystroke tick
 * (the first of a burst starts typing, the next ones carry the same state again) and, every
 * `burst` ticks, a pause (its state removed, as Parley's client does when typing stops).
 */
export class TypingBursts {
  private tick = 0

  constructor (private readonly presence: PresenceState, private readonly burst = 4) {}

  next (): Uint8Array {
    this.tick += 1
    return this.tick % this.burst === 0 ? this.presence.leave() : this.presence.next()
  }
}
