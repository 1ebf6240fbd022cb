// Churn for soaks: a fixed number of client slots, each connecting, publishing presence, sending a message, leaving, and connecting again, for as long as asked.
import type { Identity } from '../../shared/identity'
import { parseRefusal } from '../../shared/protocol'
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
  /** Messages the relay refused (Parley says why; the others accept anything). */
  refused: number
  /** The first failure's reason, if any. */
  firstFailure: string | null
}

const writerKey = (slot: number, room: string): string => `${slot} ${room}`

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
 * session is a new connection; a slot writes to each room from one Yjs client, as a page that
 * reconnects keeps its documents. NOTE: a new Yjs client per session (a page loaded anew every
 * few seconds, in the same rooms all day) is not what people do, and Parley refuses a user
 * bringing new clients into a room faster than one a minute after the first 16.
 */
export const runChurn = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, options: ChurnOptions): Promise<ChurnStats> => {
  const stats: ChurnStats = { sessions: 0, synced: 0, failed: 0, messages: 0, refused: 0, firstFailure: null }
  // One writer (one Y.Doc) per slot and room; dropped when one of its updates was never sent, since later ones would build on it.
  const writers = new Map<string, MessageWriter>()
  const dropWriter = (key: string): void => {
    writers.get(key)?.destroy()
    writers.delete(key)
  }
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
        const key = writerKey(slot, target.room)
        let writer = writers.get(key)
        if (!writer) writers.set(key, writer = new MessageWriter([target.identity], target.group_id))
        const { update } = await writer.write(slot * 1_000_000 + index, 0)
        if (performance.now() < closeAt) {
          client.sendUpdate(update)
          stats.messages += 1
        } else {
          dropWriter(key)
        }
      }, (error: Error) => fail(error.message))
      await sleep(closeAt - performance.now())
      if (client.refusals.some(reason => parseRefusal(reason)?.scope === 'update')) {
        stats.refused += 1
        // As Parley's client does, the slot gives up the refused update's Yjs client: anything more from it would build on what the relay never kept.
        dropWriter(writerKey(slot, target.room))
      }
      await client.close()
      // NOTE: a session closed before it synced fails its `synced` (the socket closed first), so it is counted above.
      await session
      await sleep(options.gapMs)
    }
  }
  try {
    await Promise.all(Array.from({ length: options.slots }, (_, slot) => runSlot(slot)))
  } finally {
    for (const writer of writers.values()) writer.destroy()
  }
  return stats
}
