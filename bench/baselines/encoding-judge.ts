// Baseline (the relay before da2278b): one verdict per incoming update, from what its encoding says it writes.
import * as Y from 'yjs'
import type { RoomRef } from '../../shared/protocol'
import { checkUpdateCost, type UpdateCostReason } from '../../relay/writes/update-cost'
import { inspectUpdate, type InspectionFailure } from './encoding-inspection'
import { judgeWrite, type WriteRefusal } from './encoding-write-rules'

/*
 * NOTE: the relay's judge before it judged what Yjs does (commit da2278b^), kept only as the benchmark's
 * baseline; never used by the relay. It predicted from an update's encoding which entries it
 * would write, and hand-made encodings beat that prediction (test/forgery-effects.test.ts).
 * Copied as it was, imports aside: do not fix it, or the baseline stops being the old judge.
 */

export type UpdateRefusal =
  | WriteRefusal
  | InspectionFailure
  | Exclude<UpdateCostReason, 'missing-dependencies'>
  | 'depends-on-refused-update'
  | 'too-many-client-ids'

/**
 * New Yjs client ids one user may bring into a room at once, and how often one more is allowed
 * after that. NOTE: an honest client has one per document and page load (and one more each
 * time the relay refuses its update); every id a document holds costs every newcomer's first
 * sync, so nobody may add them by the thousand. A room with someone in it stays loaded all
 * day, so the allowance refills: a fixed number per loaded room locked out of it anyone who
 * reloaded their page that often in a day (a soak of reconnecting clients found this).
 */
export const MAX_NEW_CLIENTS_PER_USER = 16
export const NEW_CLIENT_REFILL_MS = 60_000

/**
 * apply (saying how many new Yjs client ids it brings); 'wait' while it depends on something not arrived yet; 'unreadable' for bytes that are
 * no update at all (the sender is broken or hostile); else why it is refused.
 */
export type UpdateVerdict = { apply: { newClients: number } } | 'wait' | 'unreadable' | { refused: UpdateRefusal }

export interface UpdateJudgement {
  doc: Y.Doc
  room: RoomRef
  /** The authenticated user who sent it. */
  writer: string
  /** Yjs client id → first clock of this writer's refused updates. */
  refused: ReadonlyMap<number, number>
  /** How many new Yjs client ids this writer may still bring into the room now. */
  newClientsAllowed: number
  maxMessageLength: number
}

export const judgeUpdate = (update: Uint8Array, { doc, room, writer, refused, newClientsAllowed, maxMessageLength }: UpdateJudgement): UpdateVerdict => {
  // First the cheap check of what it would cost Yjs (it reads no content).
  const cost = checkUpdateCost(update, { stateVector: { get: client => Y.getState(doc.store, client) } })
  if (!cost.ok) {
    if (cost.reason === 'malformed') return 'unreadable'
    if (cost.reason !== 'missing-dependencies') return { refused: cost.reason }
    // It waits, unless this writer has had updates refused: then, does it build on one?
    if (refused.size === 0) return 'wait'
  }
  const inspection = inspectUpdate(doc, update)
  if (inspection.ok === 'missing') {
    const refusedFrom = refused.get(inspection.on.client)
    return refusedFrom !== undefined && inspection.on.clock >= refusedFrom ? { refused: 'depends-on-refused-update' } : 'wait'
  }
  if (!inspection.ok) return inspection.reason === 'malformed' ? 'unreadable' : { refused: inspection.reason }
  if (inspection.newClients.length > newClientsAllowed) return { refused: 'too-many-client-ids' }
  const context = {
    writer,
    room,
    current: (root: string, key: string) => doc.share.has(root) ? doc.getMap(root).get(key) : undefined,
    maxMessageLength
  }
  // NOTE: overwriting an entry deletes its old value (the update's delete set says so too);
  // the new value's rule already decides whether the writer may replace the old one.
  const overwritten = new Set(inspection.writes.filter(write => !write.deleted).map(write => `${write.root}\0${write.key}`))
  for (const write of inspection.writes) {
    if (write.deleted && overwritten.has(`${write.root}\0${write.key}`)) continue
    const refusal = judgeWrite(write, context)
    if (refusal !== null) return { refused: refusal }
  }
  return { apply: { newClients: inspection.newClients.length } }
}
