// One verdict per incoming update: what it would cost Yjs, what it writes, and whether each write is the writer's to make.
import * as Y from 'yjs'
import type { RoomRef } from '../../shared/protocol'
import { checkUpdateCost, type UpdateCostReason } from './update-cost'
import { inspectUpdate, type InspectionFailure } from './update-inspection'
import { judgeWrite, type WriteRefusal } from './write-rules'

export type UpdateRefusal =
  | WriteRefusal
  | InspectionFailure
  | Exclude<UpdateCostReason, 'missing-dependencies'>
  | 'depends-on-refused-update'
  | 'too-many-client-ids'

/**
 * Yjs client ids one user may bring into a room while it is loaded. NOTE: an honest client has
 * one per document and session (and one more each time the relay refuses its update); every id
 * a document holds costs every newcomer's first sync, so nobody may add them by the thousand.
 */
export const MAX_NEW_CLIENTS_PER_USER = 16

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
  /** How many new Yjs client ids this writer has brought into the room so far. */
  clientsAdded: number
  maxMessageLength: number
}

export const judgeUpdate = (update: Uint8Array, { doc, room, writer, refused, clientsAdded, maxMessageLength }: UpdateJudgement): UpdateVerdict => {
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
  if (clientsAdded + inspection.newClients.length > MAX_NEW_CLIENTS_PER_USER) return { refused: 'too-many-client-ids' }
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
