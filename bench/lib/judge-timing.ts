// The relay's CPU per honest update in each way of receiving it (judged where it lands today, judged from its encoding before, not judged at all), in this process.
import * as Y from 'yjs'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate } from '../../relay/writes/judge-update'
import { RestorePoint } from '../../relay/writes/restore-point'
import { judgeUpdate as judgeByEncoding } from '../baselines/encoding-judge'
import { JUDGE_DEFAULTS, type JudgedRoom } from './judge-rooms'

/**
 * Today's judge (the update applied to the room and judged there), the one before it (from the
 * encoding, then applied), and no judge at all (applied only: what no judge can beat).
 */
export type Judge = 'in-place' | 'encoding' | 'none'

export const JUDGES: readonly Judge[] = ['none', 'encoding', 'in-place']

const MAX_MESSAGE_LENGTH = 4000

/** CPU time this process has used (user + system, every thread), in µs. */
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/**
 * What one reading of the CPU clock adds to an interval between two readings: the median of
 * back-to-back readings (about 1 µs here: it is a system call). Subtracted from each sample.
 */
export const cpuClockOverhead = (readings = 2000): number => {
  const gaps: number[] = []
  let last = cpuMicros()
  for (let i = 0; i < readings; i++) {
    const now = cpuMicros()
    gaps.push(now - last)
    last = now
  }
  return gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!
}

export interface RoundTimes {
  /** CPU µs to receive each update: judge it and apply it to the room's document (today's judge does both at once). */
  receive: number[]
  /**
   * Today's judge: CPU µs to take the restore point at the first write after loading the room,
   * and to rebuild the room from it after the round's accepted updates (a first refusal), and
   * again at once (each further refusal, with nothing accepted between).
   */
  restorePoint: { taken: number; rebuilt: number; rebuiltAgain: number } | null
}

/** One judge's room: its document, as the relay loads it. */
class JudgedDoc {
  readonly doc = new Y.Doc({ gc: true })
  readonly restorePoint: RestorePoint | null = null
  readonly times: RoundTimes = { receive: [], restorePoint: null }
  private updated = false

  constructor (private readonly judged: JudgedRoom, readonly judge: Judge, overhead: number) {
    Y.applyUpdate(this.doc, judged.seed)
    // As the relay's room: a listener for the updates to store and forward makes Yjs encode each.
    this.doc.on('update', () => { this.updated = true })
    if (judge !== 'in-place') return
    const start = cpuMicros()
    this.restorePoint = RestorePoint.of(this.doc)
    this.times.restorePoint = { taken: Math.max(0, cpuMicros() - start - overhead), rebuilt: 0, rebuiltAgain: 0 }
  }

  /** Today's judge, after its round: what a refusal would cost now, and a second one after it. */
  timeRebuilds (overhead: number): void {
    if (this.restorePoint === null) return
    const start = cpuMicros()
    this.restorePoint.restore().destroy()
    const rebuilt = cpuMicros()
    this.restorePoint.restore().destroy()
    const again = cpuMicros()
    this.times.restorePoint!.rebuilt = Math.max(0, rebuilt - start - overhead)
    this.times.restorePoint!.rebuiltAgain = Math.max(0, again - rebuilt - overhead)
  }

  /** Receives one update as this judge's relay would, timing it; throws unless it is accepted and applied. */
  receive (update: Uint8Array, overhead: number): void {
    const start = cpuMicros()
    const accepted = this.accept(update)
    const end = cpuMicros()
    if (!accepted || !this.updated) throw new Error(`the ${this.judge} judge did not accept an honest update`)
    this.updated = false
    this.times.receive.push(Math.max(0, end - start - overhead))
  }

  private accept (update: Uint8Array): boolean {
    const { doc, judged: { room, writer, owners } } = this
    const context = { doc, room, writer, refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: MAX_MESSAGE_LENGTH }
    switch (this.judge) {
      case 'none':
        Y.applyUpdate(doc, update)
        return true
      case 'encoding': {
        const verdict = judgeByEncoding(update, context)
        Y.applyUpdate(doc, update)
        return typeof verdict === 'object' && 'apply' in verdict
      }
      case 'in-place': {
        // As the room's write gate: judged as Yjs applies it, then recorded for the restore point.
        const { verdict } = judgeUpdate(update, { ...context, ...JUDGE_DEFAULTS, origin: null, ownerOf: client => owners.get(client) })
        if (typeof verdict !== 'object' || !('apply' in verdict)) return false
        if (verdict.apply.applied !== null) this.restorePoint!.record(verdict.apply.applied, doc)
        return true
      }
    }
  }

  destroy (): void { this.doc.destroy() }
}

/**
 * Loads the room from its seed once per judge, as the relay does, then receives every one of
 * the writer's updates in each. Throws if a judge does not accept an update: the figures are of
 * the path every honest message takes.
 * NOTE: paired, update by update, the judges taking turns to go first: on this shared machine a
 * neighbour can halve the speed of a core for a second or more, which runs of one judge and then
 * another turned into ratios anywhere from 0.6 to 2. The room starts from its seed each round, so
 * a round of 100 updates keeps it within 100 entries of its nominal size.
 */
export const timeRound = (judged: JudgedRoom, overhead: number): Record<Judge, RoundTimes> => {
  const rooms = JUDGES.map(judge => new JudgedDoc(judged, judge, overhead))
  try {
    judged.updates.forEach((update, index) => {
      // Each judge goes first, second and last in turn.
      for (let turn = 0; turn < rooms.length; turn++) rooms[(index + turn) % rooms.length]!.receive(update, overhead)
    })
    for (const room of rooms) room.timeRebuilds(overhead)
    return Object.fromEntries(rooms.map(room => [room.judge, room.times])) as Record<Judge, RoundTimes>
  } finally {
    for (const room of rooms) room.destroy()
  }
}
