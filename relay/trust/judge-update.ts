// One verdict per incoming update: what it would cost Yjs, then what it does (tried on a copy of the room), and whether every change is the writer's to make.
import * as Y from 'yjs'
import { BUCKET_CAPACITY, type RoomRef } from '../../shared/protocol'
import { inferOwner } from './client-owners'
import type { Effect, EffectFailure, TrialCopy } from './trial-copy'
import { usageDeltas } from './storage-quota'
import { checkUpdateCost, type UpdateCostReason } from './update-cost'
import { judgeChange, type WriteRefusal } from './write-rules'

export type UpdateRefusal =
  | WriteRefusal
  | Exclude<EffectFailure, 'malformed'>
  | Exclude<UpdateCostReason, 'missing-dependencies' | 'malformed'>
  | 'depends-on-refused-update'
  | 'too-many-client-ids'
  | 'not-your-client-id'
  | 'over-quota'
  | 'bucket-full'
  | 'too-many-refusals'

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
 * Refused updates one user may cost a room at once, and how often one more is allowed after that;
 * past it their updates are refused before they are tried. NOTE: a refusal rebuilds the room's
 * trial copy (137 ms for a directory of 10,000 profiles), which the writer's CPU budget pays only
 * after the fact; an honest client is refused seldom (a change that lost a race, say).
 */
export const MAX_REFUSALS_PER_USER = 8
export const REFUSAL_REFILL_MS = 10_000

/**
 * Message ids a bucket may hold, deleted ones included. NOTE: clients start a new bucket at
 * BUCKET_CAPACITY; twice that leaves room for those writing at the same time, and bounds what
 * every member downloads with a bucket, whoever fills it.
 */
export const MAX_BUCKET_ENTRIES = 2 * BUCKET_CAPACITY

/**
 * apply: the trial copy holds the update, and the room applies it too (binding `clients` to the
 * writer: the ids it wrote under that nobody owned; `newClients` of them are new to the room).
 * 'wait' while it depends on something not arrived yet; 'unreadable' for bytes that are no update
 * at all (the sender is broken or hostile); else why it is refused. After anything but apply the
 * trial copy holds nothing of the update.
 */
export type UpdateVerdict =
  | { apply: { newClients: number; clients: number[]; usage: Map<string, number> } }
  | 'wait'
  | 'unreadable'
  /** `from`: where its structs start, per Yjs client id (for what builds on them); absent when the cost check refused it unread. */
  | { refused: UpdateRefusal; from?: ReadonlyMap<number, number> }

export interface UpdateJudgement {
  /** The room's document, which the update has not touched. */
  doc: Y.Doc
  /** The copy the update is tried on. */
  trial: TrialCopy
  room: RoomRef
  /** The authenticated user who sent it. */
  writer: string
  /** The user each Yjs client id of the room belongs to, if bound. */
  ownerOf: (client: number) => string | undefined
  /** The user who publishes (or lately published) presence here under a client id, if any. */
  presenceHolderOf: (client: number) => string | undefined
  /** Yjs client id → first clock of this writer's refused updates. */
  refused: ReadonlyMap<number, number>
  /** How many new Yjs client ids this writer may still bring into the room now. */
  newClientsAllowed: number
  /** How many more refused updates this writer may cost the room now (MAX_REFUSALS_PER_USER). */
  refusalsAllowed: number
  maxMessageLength: number
  /** The bytes each user holds live in the room now (storage-quota.ts). */
  bytesOf: (user_id: string) => number
  /** The most a user may hold live in one room. */
  maxBytesPerRoom: number
  /** The bytes each user holds live over all rooms (usage-ledger.ts). */
  bytesOverall: (user_id: string) => number
  /** The most a user may hold live over all rooms. */
  maxBytesPerUser: number
  /** Structs one update may hold (update-cost.ts). */
  maxStructs: number
}

export const judgeUpdate = (update: Uint8Array, judgement: UpdateJudgement): UpdateVerdict => {
  const { doc, trial, refused } = judgement
  // First the cheap check of what it would cost Yjs (it reads no content).
  const cost = checkUpdateCost(update, { stateVector: { get: client => Y.getState(doc.store, client) } }, { maxStructs: judgement.maxStructs })
  if (!cost.ok) {
    if (cost.reason === 'malformed') return 'unreadable'
    if (cost.reason !== 'missing-dependencies') return { refused: cost.reason }
    // It waits, unless what it lacks was refused: then it can never be applied.
    const refusedFrom = refused.get(cost.on.client)
    return refusedFrom !== undefined && cost.on.clock >= refusedFrom ? { refused: 'depends-on-refused-update' } : 'wait'
  }
  const { from } = cost
  if (judgement.refusalsAllowed < 1) return { refused: 'too-many-refusals', from }
  const tried = trial.try(update, [...from.keys()])
  const verdict = tried.ok ? judgeEffect(tried.effect, judgement) : failureVerdict(tried.reason)
  if (typeof verdict === 'string' || 'refused' in verdict) trial.discard()
  return typeof verdict === 'object' && 'refused' in verdict ? { ...verdict, from } : verdict
}

const failureVerdict = (reason: EffectFailure): UpdateVerdict =>
  reason === 'malformed' ? 'unreadable' : { refused: reason }

const judgeEffect = (effect: Effect, judgement: UpdateJudgement): UpdateVerdict => {
  const { writer, ownerOf, doc, room } = judgement
  const unbound: number[] = []
  let newClients = 0
  for (const { client, isNew } of effect.clients) {
    // NOTE: an app announces its document's client id in presence before it first writes under
    // it: that announcement already says whose it is.
    const owner = ownerOf(client) ?? (isNew ? undefined : inferOwner(doc, room, client)) ?? judgement.presenceHolderOf(client)
    if (owner !== undefined && owner !== writer) return { refused: 'not-your-client-id' }
    if (ownerOf(client) === undefined) unbound.push(client)
    if (isNew) newClients += 1
  }
  if (newClients > judgement.newClientsAllowed) return { refused: 'too-many-client-ids' }
  for (const change of effect.changes) {
    const refusal = judgeChange(change, judgement)
    if (refusal !== null) return { refused: refusal }
  }
  if (room.kind === 'bucket') {
    // New ids count whether they end live or deleted: a tombstone holds its id for good.
    const added = effect.changes.filter(change => change.root === 'messages' && change.before === undefined && !change.tombstone).length
    const held = doc.share.get('messages')?._map.size ?? 0
    if (added > 0 && held + added > MAX_BUCKET_ENTRIES) return { refused: 'bucket-full' }
  }
  // The ids this update writes under are the writer's from now on (bound once it is applied).
  const writtenUnder = new Set(effect.clients.map(({ client }) => client))
  const usage = usageDeltas(effect.changes, client => ownerOf(client) ?? (writtenUnder.has(client) ? writer : undefined))
  const growth = usage.get(writer) ?? 0
  if (growth > 0 && (judgement.bytesOf(writer) + growth > judgement.maxBytesPerRoom ||
    judgement.bytesOverall(writer) + growth > judgement.maxBytesPerUser)) return { refused: 'over-quota' }
  return { apply: { newClients, clients: unbound, usage } }
}
