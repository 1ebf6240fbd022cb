// One verdict per incoming update: what it would cost Yjs, then what it does (as Yjs applies it to the room), and whether every change is the writer's to make.
import * as Y from 'yjs'
import { BUCKET_CAPACITY, type RoomRef, type UpdateRefusal as NamedUpdateRefusal } from '../../shared/protocol'
import { ROOTS_OF } from '../../shared/schema'
import { entryItems } from '../../shared/yjs-internals'
import { inferOwner } from './client-owners'
import { applyJudged } from './judged-apply'
import { usageDeltas } from './storage-quota'
import { checkUpdateCost, type UpdateCostReason } from './update-cost'
import type { Effect, EffectFailure } from './update-effect'
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
 * NOTE: the relay's refusals are exactly those the protocol names (shared/protocol/refusals.ts),
 * which clients read: a new reason here fails to compile until it is named there too.
 */
type Same<A extends B, B extends C, C = A> = [A, B]
export type _UpdateRefusalsNamed = Same<UpdateRefusal, NamedUpdateRefusal>

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
 * past it their updates are refused before they are applied. NOTE: a refusal rebuilds the room's
 * document (restore-point.ts: 150 ms for a directory of 10,000 profiles), which the writer's CPU
 * budget pays only after the fact; an honest client is refused seldom (a change that lost a race, say).
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
 * apply: the room's document holds the update (`applied`: as Yjs applied it, to store and
 * forward; null when nothing in it was new), binding `clients` to the writer: the ids it wrote
 * under that nobody owned; `newClients` of them are new to the room. 'wait' while it depends on
 * something not arrived yet; 'unreadable' for bytes that are no update at all (the sender is
 * broken or hostile); else why it is refused.
 */
export type UpdateVerdict =
  | { apply: { newClients: number; clients: number[]; usage: Map<string, number>; applied: Uint8Array | null } }
  | 'wait'
  | 'unreadable'
  /** `from`: where its structs start, per Yjs client id (for what builds on them); absent when the cost check refused it unread. */
  | { refused: UpdateRefusal; from?: ReadonlyMap<number, number> }

/**
 * A verdict, and whether the room's document must be rebuilt (restore-point.ts): it holds some
 * of an update it must not keep, which Yjs applied before the judge could say no.
 */
export interface Judged {
  verdict: UpdateVerdict
  spoiled: boolean
}

export interface UpdateJudgement {
  /** The room's document, to which an update that passes the cost check is applied, and judged there. */
  doc: Y.Doc
  /** The origin of the update's transaction (the peer's). */
  origin: unknown
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

export const judgeUpdate = (update: Uint8Array, judgement: UpdateJudgement): Judged => {
  const { doc, refused } = judgement
  // First the cheap check of what it would cost Yjs (it reads no content).
  const cost = checkUpdateCost(update, { stateVector: { get: client => Y.getState(doc.store, client) } }, {
    maxStructs: judgement.maxStructs,
    roots: ROOTS_OF[judgement.room.kind]
  })
  if (!cost.ok) {
    if (cost.reason === 'malformed') return untouched('unreadable')
    if (cost.reason !== 'missing-dependencies') return untouched({ refused: cost.reason })
    // It waits, unless what it lacks was refused: then it can never be applied.
    const refusedFrom = refused.get(cost.on.client)
    return untouched(refusedFrom !== undefined && cost.on.clock >= refusedFrom ? { refused: 'depends-on-refused-update' } : 'wait')
  }
  const { from } = cost
  if (judgement.refusalsAllowed < 1) return untouched({ refused: 'too-many-refusals', from })
  let verdict: EffectVerdict | null = null
  const judged = applyJudged(doc, update, {
    origin: judgement.origin,
    clients: from.keys(),
    judge: effect => 'apply' in (verdict = judgeEffect(effect, judgement))
  })
  // TypeScript cannot see that the judge above has run: read it through its declared type.
  const effectVerdict = verdict as EffectVerdict | null
  if (!judged.judged || effectVerdict === null) return { verdict: failureVerdict(judged.judged ? 'malformed' : judged.failure, from), spoiled: true }
  if ('refused' in effectVerdict) return { verdict: { ...effectVerdict, from }, spoiled: true }
  return { verdict: { apply: { ...effectVerdict.apply, applied: judged.applied } }, spoiled: false }
}

const untouched = (verdict: UpdateVerdict): Judged => ({ verdict, spoiled: false })

const failureVerdict = (reason: EffectFailure, from: ReadonlyMap<number, number>): UpdateVerdict =>
  reason === 'malformed' ? 'unreadable' : { refused: reason, from }

/** The verdict on what an update did, before the room knows how Yjs encoded it. */
type EffectVerdict = { apply: Omit<Extract<UpdateVerdict, { apply: unknown }>['apply'], 'applied'> } | { refused: UpdateRefusal }

const judgeEffect = (effect: Effect, judgement: UpdateJudgement): EffectVerdict => {
  const { writer, ownerOf, doc, room } = judgement
  const unbound: number[] = []
  let newClients = 0
  for (const { client, isNew } of effect.clients) {
    // NOTE: an app announces its document's client id in presence before it first writes under
    // it: that announcement already says whose it is.
    const owner = ownerOf(client) ?? (isNew ? undefined : inferOwner(doc, room, client, effect.livedBefore)) ?? judgement.presenceHolderOf(client)
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
    // NOTE: the document holds the update already: its size counts the ids added.
    const added = effect.changes.filter(change => change.root === 'messages' && change.before === undefined && !change.tombstone).length
    const messages = doc.share.get('messages')
    const held = messages ? entryItems(messages).size : 0
    if (added > 0 && held > MAX_BUCKET_ENTRIES) return { refused: 'bucket-full' }
  }
  // The ids this update writes under are the writer's from now on (bound once it is applied).
  const writtenUnder = new Set(effect.clients.map(({ client }) => client))
  const usage = usageDeltas(effect.changes, client => ownerOf(client) ?? (writtenUnder.has(client) ? writer : undefined))
  const growth = usage.get(writer) ?? 0
  if (growth > 0 && (judgement.bytesOf(writer) + growth > judgement.maxBytesPerRoom ||
    judgement.bytesOverall(writer) + growth > judgement.maxBytesPerUser)) return { refused: 'over-quota' }
  return { apply: { newClients, clients: unbound, usage } }
}
