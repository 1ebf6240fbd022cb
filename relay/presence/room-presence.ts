// Who is online in a room, as the relay knows it: renewals keep a state alive without going to anyone else, changes go to everyone, and the relay itself says who left.
import { encodeAwarenessEntries, type AwarenessWireEntry } from '../../shared/protocol'
import { DepartedHolders } from './departed-holders'
import type { AwarenessEntry } from './awareness-guard'

/** A connection that publishes presence in the room. */
export interface PresenceHolder {
  send(message: Uint8Array): void
  /** The awareness client ids it holds in the room (kept up to date by RoomPresence). */
  readonly awarenessClients: Set<number>
  /** The user behind it: a client id stays theirs (see holderOf). */
  readonly user_id: string
}

export interface RoomPresenceOptions {
  /** A state not renewed within this is removed, and the removal sent to everyone. */
  timeoutMs: number
  /** Sends a message to every peer of the room. */
  broadcast(message: Uint8Array): void
  /**
   * Runs `flush` a little later, so that changes arriving meanwhile go out as one message
   * (default: setImmediate, after the I/O already read). Tests pass `flush => flush()`.
   */
  later?: (flush: () => void) => void
}

interface Held<H> {
  clock: number
  /** The state as JSON, to tell a renewal (same content) from a change. */
  text: string
  renewedAt: number
  holder: H
}

/** One entry as it goes out: client, clock and the state's JSON ('null' for a removal). */
type Outgoing = AwarenessWireEntry

const awarenessMessage = (entries: readonly Outgoing[]): Uint8Array => encodeAwarenessEntries(entries)

/** Departed client ids whose last clock is remembered: reconnects come within minutes, not after 10,000 others. */
export const MAX_DEPARTED_CLOCKS = 10_000

/**
 * The presence states of one room. NOTE: the stock relay forwards every renewal to everyone, so
 * N users renewing every 15 s cost N²/15 messages a second. Here the relay is the authority on
 * liveness instead: a renewal only refreshes it (and is echoed to its sender alone, which keeps
 * a socket-per-room provider's 30 s "no message" check content), a change goes to everyone, and
 * the relay sends the removal itself when a connection closes or a state times out. Clients
 * therefore keep remote states while connected (client/network/relay-presence.ts).
 */
export class RoomPresence<H extends PresenceHolder> {
  private readonly online = new Map<number, Held<H>>()
  /**
   * Last clock of each client id that was here and left, while the room is loaded. NOTE: a
   * client re-sends its state under the same clock when it reconnects; taken for new, that
   * state would go to peers that dropped that very clock and ignore it, and the client's next
   * renewal (a fresh clock, same content) would then be taken for a mere renewal.
   */
  private readonly departedClocks = new Map<number, number>()
  /** Who held each client id that was online here and left (departed-holders.ts). */
  private readonly departedHolders = new DepartedHolders()
  private sweepTimer: ReturnType<typeof setTimeout> | null = null
  /** Changes not sent yet, by client id (see queue()). */
  private readonly pending = new Map<number, Outgoing>()
  private flushScheduled = false
  private destroyed = false

  constructor (private readonly options: RoomPresenceOptions) {}

  /** Client ids online. */
  get size (): number { return this.online.size }

  has (client: number): boolean { return this.online.has(client) }

  /** The user whose client id this is: while it is online, and for a while after it left (departed-holders.ts). */
  holderOf (client: number): string | undefined {
    return this.online.get(client)?.holder.user_id ?? this.departedHolders.holderOf(client)
  }

  /**
   * Applies entries `holder` sent (already judged its own, awareness-guard.ts), by y-protocols'
   * rule: a newer clock wins, the same clock may only remove. Changes go to everyone, the
   * sender included; if there were only renewals, they go back to the sender alone.
   */
  apply (holder: H, entries: readonly AwarenessEntry[]): void {
    const now = performance.now()
    const changed: Outgoing[] = []
    const renewed: Outgoing[] = []
    for (const { client, clock, state } of entries) {
      const held = this.online.get(client)
      const current = held?.clock ?? this.departedClocks.get(client) ?? 0
      if (!(current < clock || (current === clock && state === null && held !== undefined))) continue
      if (state === null) {
        if (held) changed.push(this.remove(client, held, clock))
        else this.rememberDeparted(client, clock)
        continue
      }
      const text = JSON.stringify(state)
      if (held && held.text === text && held.holder === holder) {
        held.clock = clock
        held.renewedAt = now
        renewed.push({ client, clock, state: text })
        continue
      }
      if (held && held.holder !== holder) held.holder.awarenessClients.delete(client)
      this.online.set(client, { clock, text, renewedAt: now, holder })
      this.departedClocks.delete(client)
      this.departedHolders.delete(client)
      holder.awarenessClients.add(client)
      changed.push({ client, clock, state: text })
    }
    if (changed.length > 0) this.queue(changed)
    else if (renewed.length > 0) holder.send(awarenessMessage(renewed))
    this.armSweep()
  }

  /** Every state online, as one awareness message (for a newcomer, or one who asks). */
  snapshot (): Uint8Array {
    return awarenessMessage([...this.online].map(([client, { clock, text }]) => ({ client, clock, state: text })))
  }

  /** `holder` has left the room: its states are removed, and everyone told at once. */
  release (holder: H): void {
    const removed: Outgoing[] = []
    for (const client of holder.awarenessClients) {
      const held = this.online.get(client)
      if (held?.holder === holder) removed.push(this.remove(client, held, held.clock))
    }
    holder.awarenessClients.clear()
    this.queue(removed)
  }

  /**
   * Sends changes to everyone, coalesced. NOTE: when many come online at once (a relay
   * restart, the morning), each one's state must reach everyone: one message per change
   * would be a million frames for 1,000 users, which held a newcomer's sync up for ~10 s
   * here; batched, it is a few frames per peer. The latest change of each client wins.
   */
  private queue (changes: readonly Outgoing[]): void {
    if (changes.length === 0 || this.destroyed) return
    for (const change of changes) {
      this.pending.delete(change.client)
      this.pending.set(change.client, change)
    }
    if (this.flushScheduled) return
    this.flushScheduled = true
    ;(this.options.later ?? setImmediate)(this.flush)
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.pending.size === 0 || this.destroyed) return
    const changes = [...this.pending.values()]
    this.pending.clear()
    this.options.broadcast(awarenessMessage(changes))
  }

  destroy (): void {
    this.destroyed = true
    this.pending.clear()
    if (this.sweepTimer) clearTimeout(this.sweepTimer)
    this.sweepTimer = null
    this.online.clear()
    this.departedClocks.clear()
    this.departedHolders.clear()
  }

  /** A room that stays loaded for long (the directory) sees a new client id per session: the oldest are forgotten. */
  private rememberDeparted (client: number, clock: number): void {
    this.departedClocks.delete(client)
    this.departedClocks.set(client, clock)
    if (this.departedClocks.size > MAX_DEPARTED_CLOCKS) this.departedClocks.delete(this.departedClocks.keys().next().value!)
  }

  private remove (client: number, held: Held<H>, clock: number): Outgoing {
    this.online.delete(client)
    this.rememberDeparted(client, clock)
    this.departedHolders.add(client, held.holder.user_id)
    held.holder.awarenessClients.delete(client)
    return { client, clock, state: 'null' }
  }

  /**
   * NOTE: one coarse timer per room while anyone is online (a tenth of the timeout, as
   * y-protocols checks), not one per state: a state goes within 1.1× the timeout.
   */
  private armSweep (): void {
    if (this.sweepTimer !== null || this.online.size === 0) return
    this.sweepTimer = setTimeout(this.sweep, this.options.timeoutMs / 10)
    this.sweepTimer.unref?.()
  }

  private readonly sweep = (): void => {
    this.sweepTimer = null
    const now = performance.now()
    const removed: Outgoing[] = []
    for (const [client, held] of this.online) {
      if (now - held.renewedAt >= this.options.timeoutMs) removed.push(this.remove(client, held, held.clock))
    }
    this.queue(removed)
    this.departedHolders.expire()
    this.armSweep()
  }
}
