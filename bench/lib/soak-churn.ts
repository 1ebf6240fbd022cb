// Churn for soaks: a fixed number of client slots, each connecting, publishing presence, sending a message, leaving, and connecting again, for as long as asked.
import type { Identity } from '../../shared/identity'
import type { RunningServer } from '../servers'
import { PresenceState } from './presence-wire'
import { sleep } from './soak-health'
import type { ThinClient } from './thin-client'
import { connectThin } from './thin-connect'
import { MessageWriter } from './thin-messages'

/** Where one session of a slot goes: a room of a group its identity is a member of. */
export interface SessionTarget {
  room: string
  group_id: string
  identity: Identity
}

export interface ChurnOptions {
  slots: number
  durationMs: number
  /** A session lasts between these (ms), drawn per session from a fixed sequence, so every system gets the same schedule. */
  lifetimeMs: readonly [number, number]
  /** Pause between leaving and connecting again. */
  gapMs: number
  /** Session `index` of slot `slot`. */
  target(slot: number, index: number): SessionTarget
}

export interface ChurnStats {
  sessions: number
  /** Sessions that joined and synced. */
  synced: number
  /** Sessions the relay refused or closed, or that did not sync before their time was up. */
  failed: number
  messages: number
  /** The first failure's reason, if any. */
  firstFailure: string | null
}

/** A small deterministic generator (LCG), so the same slot draws the same lifetimes on every system. */
const sequence = (seed: number): (() => number) => {
  let state = (seed * 2654435761) >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/**
 * Runs every slot until `durationMs` has passed: connect, publish presence once synced, send one
 * message halfway through the session, close at the session's end, wait `gapMs`, again. Each
 * session is a new connection with a new Yjs client id (as a reload is).
 */
export const runChurn = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, options: ChurnOptions): Promise<ChurnStats> => {
  const stats: ChurnStats = { sessions: 0, synced: 0, failed: 0, messages: 0, firstFailure: null }
  const endAt = performance.now() + options.durationMs
  const fail = (reason: string) => {
    stats.failed += 1
    stats.firstFailure ??= reason
  }
  const runSlot = async (slot: number): Promise<void> => {
    const draw = sequence(slot + 1)
    // Slots start spread over a mean session length, so the churn starts at its steady rate rather than with every slot at once.
    await sleep(draw() * (options.lifetimeMs[0] + options.lifetimeMs[1]) / 2)
    for (let index = 0; performance.now() < endAt; index++) {
      const [shortest, longest] = options.lifetimeMs
      const closeAt = performance.now() + shortest + draw() * (longest - shortest)
      const target = options.target(slot, index)
      stats.sessions += 1
      let client: ThinClient
      try {
        client = await connectThin(server, { room: target.room, identity: target.identity })
      } catch (error) {
        fail((error as Error).message)
        await sleep(closeAt - performance.now() + options.gapMs)
        continue
      }
      const session = client.synced.then(async () => {
        stats.synced += 1
        client.sendAwareness(new PresenceState({ user_id: target.identity.user_id }).next())
        await sleep((closeAt - performance.now()) / 2)
        const writer = new MessageWriter([target.identity], target.group_id)
        const { update } = await writer.write(slot * 1_000_000 + index, 0)
        writer.destroy()
        if (performance.now() < closeAt) {
          client.sendUpdate(update)
          stats.messages += 1
        }
      }, (error: Error) => fail(error.message))
      await sleep(closeAt - performance.now())
      await client.close()
      // NOTE: a session closed before it synced fails its `synced` (the socket closed first), so it is counted above.
      await session
      await sleep(options.gapMs)
    }
  }
  await Promise.all(Array.from({ length: options.slots }, (_, slot) => runSlot(slot)))
  return stats
}
