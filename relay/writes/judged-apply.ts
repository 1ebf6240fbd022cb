// Applies a peer's update to the room's document and judges, inside Yjs's own transaction, what it did.
import * as Y from 'yjs'
import { readEffect, type Effect, type EffectFailure } from './update-effect'

/*
 * NOTE: judged where it lands, not on a copy. Every Yjs transaction on a document costs time in
 * proportion to the client ids it holds (a directory holds one per device that ever wrote a
 * profile: 5 ms at 10,000), and a copy made each update cost two of them. So the update is
 * applied to the room's document, and the judge reads the transaction's effect before Yjs calls
 * the document's observers. A refused update leaves its mark on the transaction, which the
 * observers skip (wasRefused), and the room then rebuilds its document from its restore point
 * (restore-point.ts): the room's document never keeps a refused change.
 */

const VERDICT = 'parley:verdict'

/** Whether the judge refused what `transaction` did: observers of a room's document ignore it. */
export const wasRefused = (transaction: Y.Transaction): boolean => transaction.meta.get(VERDICT) === 'refused'

export type Judged =
  /** Whether the judge accepted what Yjs did; `applied`: the update as Yjs applied it (null when refused, or nothing in it was new). */
  | { judged: true; accepted: boolean; applied: Uint8Array | null }
  /** Yjs could not read the update, or the update is nothing a Parley document holds. */
  | { judged: false; failure: EffectFailure }

export interface JudgedApplication {
  /** Tags the transaction (the room's peer origin). */
  origin: unknown
  /** The Yjs client ids the update has structs of (update-cost.ts), so that only they are read. */
  clients: Iterable<number>
  /** Whether the room keeps what the update did. */
  judge: (effect: Effect) => boolean
}

/**
 * Applies `update` to `doc` and judges its effect. Anything but an accepted verdict leaves `doc`
 * holding what the room must not keep: the caller rebuilds it.
 */
export const applyJudged = (doc: Y.Doc, update: Uint8Array, { origin, clients, judge }: JudgedApplication): Judged => {
  let outcome: Judged | null = null
  let applied: Uint8Array | null = null
  const judgeTransaction = (transaction: Y.Transaction) => {
    const reading = readEffect(transaction, clients)
    if (!reading.ok) {
      outcome = { judged: false, failure: reading.reason }
    } else {
      outcome = { judged: true, accepted: judge(reading.effect), applied: null }
    }
    transaction.meta.set(VERDICT, outcome.judged && outcome.accepted ? 'accepted' : 'refused')
  }
  const keepApplied = (bytes: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
    if (transaction.meta.get(VERDICT) === 'accepted') applied = bytes
  }
  doc.on('beforeObserverCalls', judgeTransaction)
  doc.on('update', keepApplied)
  try {
    Y.applyUpdate(doc, update, origin)
  } catch {
    // Yjs may have applied part of it, and even judged that part: nothing of it is kept.
    return { judged: false, failure: 'malformed' }
  } finally {
    doc.off('beforeObserverCalls', judgeTransaction)
    doc.off('update', keepApplied)
  }
  // An update of structs Yjs already holds makes a transaction that changes nothing.
  const judged = outcome as Judged | null
  if (judged === null) throw new Error('Yjs applied an update without a transaction')
  return judged.judged ? { ...judged, applied } : judged
}
