// A room's gate for its writers: the trial copy, who owns which client id, what each user holds, and each writer's allowances.
import type * as Y from 'yjs'
import type { RoomRef } from '../../shared/protocol'
import { RELAY_WRITER, type ClientOwners } from './client-owners'
import {
  MAX_NEW_CLIENTS_PER_USER, MAX_REFUSALS_PER_USER, NEW_CLIENT_REFILL_MS, REFUSAL_REFILL_MS, judgeUpdate, type UpdateVerdict
} from './judge-update'
import { RoomUsage } from './storage-quota'
import { TokenBucket } from './token-bucket'
import { TrialCopy } from './trial-copy'
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
 * books what an accepted one changes. NOTE: the trial copy and the usage are worked out from the
 * room's document at its first write after waking, and let go when it rests; the owners and
 * allowances stay with the room.
 */
export class WriteGate {
  private trial: TrialCopy | null = null
  private usage: RoomUsage | null = null
  private readonly newClientAllowances = new Map<string, TokenBucket>()
  private readonly refusalAllowances = new Map<string, TokenBucket>()

  constructor (readonly owners: ClientOwners, private readonly options: WriteGateOptions) {}

  /** The verdict on `update` from `writer`; `refused`: where that writer's refused updates start, per client id. */
  judge (doc: Y.Doc, writer: string, update: Uint8Array, refused: ReadonlyMap<number, number>): UpdateVerdict {
    const { options, owners } = this
    const ownerOf = (client: number) => owners.ownerOf(client)
    const usage = this.usage ??= RoomUsage.of(doc, ownerOf)
    const refusals = this.refusalAllowanceOf(writer)
    const verdict = judgeUpdate(update, {
      doc,
      trial: this.trial ??= new TrialCopy(doc),
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
    // A refusal after a trial cost a rebuild of the copy (one the cost check made unread did not).
    if (typeof verdict === 'object' && 'refused' in verdict && verdict.refused !== 'too-many-refusals' && verdict.from) refusals.take(1)
    return verdict
  }

  /** Books an accepted update: its new client ids, their owner, and the bytes it moved. */
  accepted (writer: string, { newClients, clients, usage }: Extract<UpdateVerdict, { apply: unknown }>['apply']): void {
    if (newClients > 0) this.newClientAllowanceOf(writer).take(newClients)
    this.owners.bind(clients, writer)
    this.usage?.apply(usage)
    this.options.ledger?.apply(usage)
  }

  /** The room's document did not take what the trial copy did: the copy is rebuilt. */
  discard (): void { this.trial?.discard() }

  /** A write of the relay's own (under the document's client id), which no trial saw. */
  followRelayWrite (clientID: number, update: Uint8Array): void {
    this.owners.bind([clientID], RELAY_WRITER)
    this.trial?.follow(update)
  }

  /** The room's document rests: what was worked out from it goes too. */
  rest (): void {
    this.trial?.destroy()
    this.trial = null
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
