// People coming and going on a Parley relay, in v2's layout (one's presence in one's profile room, held by one's contacts) or v1's (everyone in one room's awareness), and the presence each receives.
import type { Identity } from '../../shared/identity'
import { conversationRoom, groupConversation, profileRoom } from '../../shared/protocol'
import { PresenceState } from './presence-wire'
import { RENEWAL_PERIOD_MS, startRenewals } from './presence-renewals'
import { MuxThinClient } from './thin-mux'

/** v2: each person publishes in their profile room and holds their contacts'; v1: everyone publishes in one room. */
export type PresenceModel = 'v2' | 'v1'

/** People per group: a person's contacts are the other members of their group. */
export const CHURN_GROUP_SIZE = 8

/**
 * The rooms person `i` of `people` holds, and where they publish (the first). v2: their profile
 * room, then their group's others' (their contacts). v1: the one room everyone is in.
 */
export const roomsOf = (model: PresenceModel, people: readonly Identity[], i: number, v1Room: string): string[] => {
  if (model === 'v1') return [v1Room]
  const first = Math.floor(i / CHURN_GROUP_SIZE) * CHURN_GROUP_SIZE
  const contacts: string[] = []
  for (let j = first; j < Math.min(first + CHURN_GROUP_SIZE, people.length); j++) if (j !== i) contacts.push(profileRoom(people[j]!.user_id))
  return [profileRoom(people[i]!.user_id), ...contacts]
}

/**
 * NOTE: the index room of a group with no record admits anyone (relay/access/room-access.ts:
 * it is where a creator writes a new group), and anyone there may publish their own presence:
 * on today's relay it stands for v1's directory, one room whose awareness everyone is in, with
 * the same presence handling (relay/presence/room-presence.ts) the directory had.
 */
export const v1PresenceRoom = (group_id: string): string => conversationRoom(groupConversation(group_id))

interface Session {
  person: number
  client: MuxThinClient
  presence: PresenceState
  /** Where this person publishes. */
  room: string
}

/** Counts over a window, summed over every socket that was open during it. */
export interface ChurnTotals {
  presenceFrames: number
  presenceBytes: number
  frames: number
  bytes: number
  /** Person-seconds online during the window (the per-person rates' denominator). */
  personSeconds: number
  departures: number
  arrivals: number
  /** Arrivals that failed (refused, or not synced in time). */
  failed: number
}

/**
 * `online` slots, each holding one person at a time out of `people`. Churn: open loop, `rate`
 * times a second a random slot's person leaves (their socket closes) and a person who was
 * offline takes the slot (a new socket and presence client, as a page load makes).
 */
export class PresenceChurn {
  private readonly slots: Array<Session | null>
  private readonly offline: number[]
  private readonly closedTotals = { presenceFrames: 0, presenceBytes: 0, frames: 0, bytes: 0 }
  private readonly pending = new Set<Promise<void>>()
  private renewals: { stop(): void } | null = null
  private churn: ReturnType<typeof setTimeout> | null = null
  private departures = 0
  private arrivals = 0
  private failed = 0
  /** Who is online at first (by index into people): all but about one in ten, spread over every group. */
  private readonly initially: number[]

  private constructor (
    private readonly wsUrl: string,
    private readonly model: PresenceModel,
    private readonly people: readonly Identity[],
    private readonly v1Room: string,
    online: number
  ) {
    this.slots = Array.from({ length: online }, () => null)
    const order = people.map((_, i) => i).sort((a, b) => Number(a % 10 === 9) - Number(b % 10 === 9) || a - b)
    this.initially = order.slice(0, online)
    this.offline = order.slice(online)
  }

  /** Connects the first `online` people (`concurrency` handshakes at once), then publishes their presence and starts renewals. */
  static async open (wsUrl: string, model: PresenceModel, people: readonly Identity[], v1Room: string, online: number, { concurrency = 64, timeoutMs = 120_000 } = {}): Promise<PresenceChurn> {
    const churn = new PresenceChurn(wsUrl, model, people, v1Room, online)
    const deadline = Date.now() + timeoutMs
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < online) {
        if (Date.now() > deadline) throw new Error(`${model}: ${next} of ${online} people connected within ${timeoutMs / 1000} s`)
        const slot = next++
        churn.slots[slot] = await churn.connect(churn.initially[slot]!)
        await churn.slots[slot]!.client.synced
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, online) }, worker))
    } catch (error) {
      await churn.close()
      throw error
    }
    // NOTE: presence once everyone is connected: in v1's layout each state published while others
    // connect would go to everyone already there.
    for (const session of churn.slots) session!.client.sendAwareness(session!.room, session!.presence.next())
    churn.renewals = startRenewals(online, slot => {
      const session = churn.slots[slot]
      if (session) session.client.sendAwareness(session.room, session.presence.next())
    }, RENEWAL_PERIOD_MS)
    return churn
  }

  private async connect (person: number): Promise<Session> {
    const rooms = roomsOf(this.model, this.people, person, this.v1Room)
    const client = await MuxThinClient.connect(this.wsUrl, this.people[person]!, rooms)
    return { person, client, presence: new PresenceState({ user_id: this.people[person]!.user_id }), room: rooms[0]! }
  }

  /** Starts the churn: `rate` departures a second, each followed by an arrival into the freed slot. */
  startChurn (rate: number, arrivalTimeoutMs = 10_000): void {
    const intervalMs = 1000 / rate
    const startedAt = performance.now()
    let due = 0
    const tick = () => {
      const now = performance.now()
      // Open loop: every event due by now goes out, however late the timer ran.
      while (startedAt + due * intervalMs <= now) {
        due += 1
        this.replaceOne(arrivalTimeoutMs)
      }
      this.churn = setTimeout(tick, Math.max(1, startedAt + due * intervalMs - performance.now()))
    }
    tick()
  }

  private replaceOne (arrivalTimeoutMs: number): void {
    const slot = Math.floor(Math.random() * this.slots.length)
    const leaving = this.slots[slot]
    if (!leaving || this.offline.length === 0) return
    this.slots[slot] = null
    this.departures += 1
    const arriving = this.offline.splice(Math.floor(Math.random() * this.offline.length), 1)[0]!
    this.offline.push(leaving.person)
    const work = (async () => {
      await this.retire(leaving)
      const session = await this.connect(arriving)
      let timer: ReturnType<typeof setTimeout> | undefined
      try {
        await Promise.race([session.client.synced, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('not synced')), arrivalTimeoutMs) })])
        session.client.sendAwareness(session.room, session.presence.next())
        this.slots[slot] = session
        this.arrivals += 1
      } catch {
        this.failed += 1
        await this.retire(session)
      } finally {
        clearTimeout(timer)
      }
    })()
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  /** Closes a session's socket, keeping what it received. */
  private async retire (session: Session): Promise<void> {
    await session.client.close()
    const { received } = session.client
    this.closedTotals.presenceFrames += received.presence.frames
    this.closedTotals.presenceBytes += received.presence.bytes
    this.closedTotals.frames += received.frames
    this.closedTotals.bytes += received.bytes
  }

  /** Everything received so far by every socket, open or closed, and the churn's counts. */
  totals (): Omit<ChurnTotals, 'personSeconds'> {
    const totals = { ...this.closedTotals }
    for (const session of this.slots) {
      if (!session) continue
      const { received } = session.client
      totals.presenceFrames += received.presence.frames
      totals.presenceBytes += received.presence.bytes
      totals.frames += received.frames
      totals.bytes += received.bytes
    }
    // NOTE: sockets of arrivals still joining are counted once they hold their slot (or are retired).
    return { ...totals, departures: this.departures, arrivals: this.arrivals, failed: this.failed }
  }

  /** People online now (slots held). */
  online (): number { return this.slots.filter(Boolean).length }

  async close (): Promise<void> {
    if (this.churn) clearTimeout(this.churn)
    this.renewals?.stop()
    await Promise.allSettled([...this.pending])
    await Promise.all(this.slots.map(session => session?.client.close()))
  }
}
