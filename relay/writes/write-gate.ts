// A room's gate for its writers: who owns which client id, what each user holds, each writer's allowances, and the restore point a refusal rebuilds from.
import type * as Y from 'yjs'
import type { RoomRef } from '../../shared/protocol'
import { RELAY_WRITER, type ClientOwners } from './client-owners'
import {
  MAX_NEW_CLIENTS_PER_USER, MAX_REFUSALS_PER_USER, NEW_CLIENT_REFILL_MS, REFUSAL_REFILL_MS, judgeUpdate, type Judged, type UpdateVerdict
} from './judge-update'
import { RestorePoint } from './restore-point'
import { RoomUsage } from './storage-quota'
import { TokenBucket } from '../limits/token-bucket'
import type { UsageLedger } from './usage-ledger'

export interface WriteGateOptions {
  room: RoomRef
  maxMessageLength: number
  maxBytesPerUserPerRoom: number
  maxStructsPerUpdate: number
  /** What each user holds over all rooms, and the most they may (none: no quota over rooms). */
  ledger?: UsageLedger
  maxBytesPerUser?: number
  /** The user who publishes (or lately published) presence in the room under a client id. */
  presenceHolderOf: (client: number) => string | undefined
}

/**
 * Judges each update a peer sends (judge-update.ts) with everything the judgement needs, and
 * books what an accepted one changes. NOTE: the restore point and the usage are worked out from
 * the room's document at its first write after waking, and let go when it rests; the owners and
 * allowances stay with the room.
 */
export class WriteGate {
  private restorePoint: RestorePoint | null = null
  private usage: RoomUsage | null = null
  private readonly newClientAllowances = new Map<string, TokenBucket>()
  private readonly refusalAllowances = new Map<string, TokenBucket>()

  constructor (readonly owners: ClientOwners, private readonly options: WriteGateOptions) {}

  /**
   * The verdict on `update` from `writer`, applied to `doc` under `origin` if it passes the cost
   * check; `refused`: where that writer's refused updates start, per client id. When the verdict
   * leaves `doc` spoiled, the room takes `restore()` in its place.
   */
  judge (doc: Y.Doc, writer: string, update: Uint8Array, refused: ReadonlyMap<number, number>, origin: unknown): Judged {
    const { options, owners } = this
    const ownerOf = (client: number) => owners.ownerOf(client)
    const usage = this.usage ??= RoomUsage.of(doc, ownerOf)
    this.restorePoint ??= RestorePoint.of(doc)
    const refusals = this.refusalAllowanceOf(writer)
    const judged = judgeUpdate(update, {
      doc,
      origin,
      room: options.room,
      writer,
      ownerOf,
      presenceHolderOf: options.presenceHolderOf,
      refused,
      newClientsAllowed: Math.floor(this.newClientAllowanceOf(writer).balance()),
      refusalsAllowed: Math.floor(refusals.balance()),
      maxMessageLength: options.maxMessageLength,
      bytesOf: user_id => usage.bytesOf(user_id),
      maxBytesPerRoom: options.maxBytesPerUserPerRoom,
      maxStructs: options.maxStructsPerUpdate,
      bytesOverall: user_id => options.ledger?.bytesOf(user_id) ?? 0,
      maxBytesPerUser: options.maxBytesPerUser ?? Number.POSITIVE_INFINITY
    })
    // A refusal of an applied update costs a rebuild of the document (one the cost check refused unread does not).
    if (judged.spoiled) refusals.take(1)
    return judged
  }

  /** Books an accepted update, which `doc` now holds: its new client ids, their owner, and the bytes it moved. */
  accepted (doc: Y.Doc, writer: string, { newClients, clients, usage, applied }: Extract<UpdateVerdict, { apply: unknown }>['apply']): void {
    if (newClients > 0) this.newClientAllowanceOf(writer).take(newClients)
    this.owners.bind(clients, writer)
    this.usage?.apply(usage)
    this.options.ledger?.apply(usage)
    if (applied !== null) this.restorePoint?.record(applied, doc)
  }

  /** The room's document as the relay accepted it, without the update that spoiled it. */
  restore (): Y.Doc {
    if (this.restorePoint === null) throw new Error('no update was judged since the room woke')
    return this.restorePoint.restore()
  }

  /** A write of the relay's own (under the document's client id), which `doc` now holds and no judge saw. */
  followRelayWrite (doc: Y.Doc, update: Uint8Array): void {
    this.owners.bind([doc.clientID], RELAY_WRITER)
    this.restorePoint?.record(update, doc)
  }

  /** The room's document rests: what was worked out from it goes too. */
  rest (): void {
    this.restorePoint = null
    this.usage = null
  }

  destroy (): void {
    this.rest()
    this.owners.destroy()
  }

  private newClientAllowanceOf (user_id: string): TokenBucket {
    return allowanceOf(this.newClientAllowances, user_id, MAX_NEW_CLIENTS_PER_USER, NEW_CLIENT_REFILL_MS)
  }

  private refusalAllowanceOf (user_id: string): TokenBucket {
    return allowanceOf(this.refusalAllowances, user_id, MAX_REFUSALS_PER_USER, REFUSAL_REFILL_MS)
  }
}

/** A user's allowance in `allowances`: `most` at once, then one more every `refillMs`. */
const allowanceOf = (allowances: Map<string, TokenBucket>, user_id: string, most: number, refillMs: number): TokenBucket => {
  let allowance = allowances.get(user_id)
  if (!allowance) allowances.set(user_id, allowance = new TokenBucket(1000 / refillMs, most))
  return allowance
}
