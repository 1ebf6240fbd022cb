// The CPU time each judge of an incoming update takes, and the room's receive path around it, per honest update, in this process.
import * as Y from 'yjs'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate } from '../../relay/trust/judge-update'
import { TrialCopy } from '../../relay/trust/trial-copy'
import { judgeUpdate as judgeByEncoding } from '../baselines/encoding-judge'
import { JUDGE_DEFAULTS, type JudgedRoom } from './judge-rooms'

/** Today's judge (on a trial copy) and the one before it (from the encoding). */
export type Judge = 'trial-copy' | 'encoding'

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
  /** CPU µs of each judgement. */
  judge: number[]
  /** CPU µs of each judgement plus applying the update to the room's document. */
  receive: number[]
  /** CPU µs to rebuild the trial copy from the room (what each refusal costs); null for the encoding judge. */
  rebuild: number | null
}

/** One judge's room: its document, as the relay loads it, and for today's judge its trial copy. */
class JudgedDoc {
  readonly doc = new Y.Doc({ gc: true })
  readonly trial: TrialCopy | null
  readonly times: RoundTimes = { judge: [], receive: [], rebuild: null }
  private updated = false

  constructor (private readonly judged: JudgedRoom, readonly judge: Judge, overhead: number) {
    Y.applyUpdate(this.doc, judged.seed)
    // As the relay's room: a listener for the updates to store and forward makes Yjs encode each.
    this.doc.on('update', () => { this.updated = true })
    this.trial = judge === 'trial-copy' ? new TrialCopy(this.doc) : null
    if (this.trial) {
      const start = cpuMicros()
      this.trial.discard()
      this.times.rebuild = Math.max(0, cpuMicros() - start - overhead)
    }
  }

  /** Judges and applies one update, timing both; throws unless the judge accepts it. */
  receive (update: Uint8Array, overhead: number): void {
    const { doc, trial, judged: { room, writer, owners } } = this
    const start = cpuMicros()
    const verdict = trial
      ? judgeUpdate(update, {
        doc, trial, room, writer, ownerOf: client => owners.get(client),
        refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: MAX_MESSAGE_LENGTH, ...JUDGE_DEFAULTS
      })
      : judgeByEncoding(update, { doc, room, writer, refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: MAX_MESSAGE_LENGTH })
    const judgedAt = cpuMicros()
    Y.applyUpdate(doc, update)
    const appliedAt = cpuMicros()
    if (typeof verdict !== 'object' || !('apply' in verdict) || !this.updated) {
      throw new Error(`the ${this.judge} judge did not accept an honest update: ${JSON.stringify(verdict)}`)
    }
    this.updated = false
    // NOTE: the receive path spans two readings of the clock, the judgement one.
    this.times.judge.push(Math.max(0, judgedAt - start - overhead))
    this.times.receive.push(Math.max(0, appliedAt - start - 2 * overhead))
  }

  destroy (): void {
    this.trial?.destroy()
    this.doc.destroy()
  }
}

/**
 * Loads the room from its seed once per judge, as the relay does, then receives every one of
 * the writer's updates in both: judged, then applied to that judge's copy of the room. Throws if
 * a judge does not accept an update: the figures are of the path every honest message takes.
 * NOTE: paired, update by update, the two judges taking turns to go first: on this shared
 * machine a neighbour can halve the speed of a core for a second or more, which runs of one
 * judge and then the other turned into ratios anywhere from 0.6 to 2. The room starts from its
 * seed each round, so a round of 100 updates keeps it within 100 entries of its nominal size;
 * the trial copy is built (and timed) before the first update, as the relay builds it at the
 * first write after loading the room.
 */
export const timeRound = (judged: JudgedRoom, overhead: number): Record<Judge, RoundTimes> => {
  const rooms = { encoding: new JudgedDoc(judged, 'encoding', overhead), 'trial-copy': new JudgedDoc(judged, 'trial-copy', overhead) }
  try {
    judged.updates.forEach((update, index) => {
      const order = index % 2 === 0 ? [rooms.encoding, rooms['trial-copy']] : [rooms['trial-copy'], rooms.encoding]
      for (const room of order) room.receive(update, overhead)
    })
    return { encoding: rooms.encoding.times, 'trial-copy': rooms['trial-copy'].times }
  } finally {
    rooms.encoding.destroy()
    rooms['trial-copy'].destroy()
  }
}
