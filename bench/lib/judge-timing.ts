// The CPU time each judge of an incoming update takes, and the room's receive path around it, per honest update, in this process.
import * as Y from 'yjs'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate } from '../../relay/trust/judge-update'
import { TrialCopy } from '../../relay/trust/trial-copy'
import { judgeUpdate as judgeByEncoding } from '../baselines/encoding-judge'
import type { JudgedRoom } from './judge-rooms'

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

/**
 * Loads the room from its seed as the relay does, then receives every one of the writer's
 * updates: judged, then applied to the room's document. Throws if a judge does not accept an
 * update: the figures are of the path every honest message takes.
 * NOTE: the room starts from its seed each round, so a round of 100 updates keeps the room
 * within 100 entries of its nominal size; the trial copy is built (and timed) before the first
 * update, as the relay builds it at the first write after loading the room.
 */
export const timeRound = (judged: JudgedRoom, judge: Judge, overhead: number): RoundTimes => {
  const doc = new Y.Doc({ gc: true })
  Y.applyUpdate(doc, judged.seed)
  // As the relay's room: a listener for the updates to store and forward makes Yjs encode each.
  let last: Uint8Array | null = null
  doc.on('update', (update: Uint8Array) => { last = update })
  const trial = judge === 'trial-copy' ? new TrialCopy(doc) : null
  let rebuild: number | null = null
  if (trial) {
    const start = cpuMicros()
    trial.discard()
    rebuild = Math.max(0, cpuMicros() - start - overhead)
  }
  const times: RoundTimes = { judge: [], receive: [], rebuild }
  const { room, writer, owners } = judged
  try {
    for (const update of judged.updates) {
      const start = cpuMicros()
      const verdict = trial
        ? judgeUpdate(update, {
          doc, trial, room, writer, ownerOf: client => owners.get(client),
          refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: MAX_MESSAGE_LENGTH
        })
        : judgeByEncoding(update, { doc, room, writer, refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: MAX_MESSAGE_LENGTH })
      const judgedAt = cpuMicros()
      Y.applyUpdate(doc, update)
      const appliedAt = cpuMicros()
      if (typeof verdict !== 'object' || !('apply' in verdict)) throw new Error(`the ${judge} judge did not accept an honest update: ${JSON.stringify(verdict)}`)
      // NOTE: the receive path spans two readings of the clock, the judgement one.
      times.judge.push(Math.max(0, judgedAt - start - overhead))
      times.receive.push(Math.max(0, appliedAt - start - 2 * overhead))
    }
  } finally {
    trial?.destroy()
    doc.destroy()
  }
  if (last === null) throw new Error('the room applied no update')
  return times
}
