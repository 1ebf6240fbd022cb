// Rooms as the relay holds them for the judge benchmark (a group's bucket, a profile room), and their writer's honest updates to them.
import * as Y from 'yjs'
import { randomId, toBase64Url, userIdFromPublicKey } from '../../shared/ids'
import type { Message, User } from '../../shared/model'
import { bucketRoom, groupConversation, parseRoom, profileRoom, type RoomRef } from '../../shared/protocol'
import { bucketMessages, profileRecord } from '../../shared/schema'
import { DEFAULT_LIMITS } from '../../relay/limits/limits'
import type { UpdateJudgement } from '../../relay/writes/judge-update'
import { contentOf } from './client-seed'

/**
 * What today's judge is told beyond the room and the writer, as the relay tells it with its
 * default limits: nobody holds presence, and no quota is near.
 */
export const JUDGE_DEFAULTS: Pick<UpdateJudgement, 'presenceHolderOf' | 'bytesOf' | 'maxBytesPerRoom' | 'bytesOverall' | 'maxBytesPerUser' | 'maxStructs' | 'refusalsAllowed'> = {
  refusalsAllowed: Number.POSITIVE_INFINITY,
  presenceHolderOf: () => undefined,
  bytesOf: () => 0,
  maxBytesPerRoom: DEFAULT_LIMITS.maxBytesPerUserPerRoom,
  bytesOverall: () => 0,
  maxBytesPerUser: DEFAULT_LIMITS.maxBytesPerUser,
  maxStructs: DEFAULT_LIMITS.maxStructsPerUpdate
}

export interface JudgedRoom {
  room: RoomRef
  /** The room's document as the relay loads it: one stored update. */
  seed: Uint8Array
  /** The user each Yjs client id of the seed belongs to, the writer's included (bound at its first write). */
  owners: ReadonlyMap<number, string>
  /** Who writes the updates. */
  writer: string
  /** The writer's Yjs client id. */
  writerClient: number
  /** The writer's updates, one after another from the seed's state on: each is applied before the next is judged. */
  updates: Uint8Array[]
}

/** Members of the benchmark's group who wrote its bucket's messages, each from one device (Yjs client id). */
export const GROUP_MEMBERS = 10

/**
 * A deterministic stream of distinct Yjs client ids, 32-bit values like those Yjs draws
 * (its ids are random uint32s), so that a seed holds the same ids every run.
 */
const clientIds = (count: number, salt: number): number[] => {
  const ids = new Set<number>()
  let state = (0x9e3779b9 ^ salt) >>> 0
  // NOTE: bounded: a collision is rare, and each round adds at most one id.
  for (let round = 0; ids.size < count && round < count * 2; round++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    if (state !== 0) ids.add(state)
  }
  return [...ids]
}

/** A well-formed signature that verifies nothing: the judges check a signature's shape only. */
const fakeSignature = (): string => toBase64Url(randomBytes(64))

/** `length` random bytes (getRandomValues gives at most 65,536 a call). */
const randomBytes = (length: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536))
  return bytes
}

/** A user id with the public key it is derived from (a profile must carry both); nobody holds the private key. */
const userOfKey = (key: Uint8Array): { user_id: string; public_key: string } =>
  ({ user_id: userIdFromPublicKey(key), public_key: toBase64Url(key) })

/** Every update `doc` makes while `write` runs, one per transaction. */
const updatesOf = (doc: Y.Doc, write: (transact: (change: () => void) => void) => void): Uint8Array[] => {
  const updates: Uint8Array[] = []
  const keep = (update: Uint8Array) => updates.push(update)
  doc.on('update', keep)
  write(change => doc.transact(change))
  doc.off('update', keep)
  return updates
}

/** The writer's own Y.Doc: its client id, holding what the room holds. */
const writerDoc = (seed: Uint8Array, client: number): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, seed)
  // NOTE: only now: a doc that receives items under its own id takes another id (Yjs's guard
  // against two devices sharing one), and the writer must keep the id it is bound by.
  doc.clientID = client
  return doc
}

/** A signed-shape group message, as a member's client writes it. */
const groupMessage = (sender_id: string, group_id: string, i: number, at: number): Message => {
  const time = new Date(at).toISOString()
  return {
    message_id: randomId(), sender_id, receiver_id: null, group_id,
    content: contentOf(i), created_at: time, updated_at: time, deleted_at: null, signature: fakeSignature()
  }
}

/**
 * Bucket 0 of a group of GROUP_MEMBERS, holding `size` messages (members taking turns, each
 * from their own Yjs client id), and `count` updates of member 0, each one new message.
 */
export const groupBucket = (size: number, count: number): JudgedRoom => {
  const group_id = randomId()
  const room = parseRoom(bucketRoom(groupConversation(group_id), 0))!
  const keys = randomBytes(GROUP_MEMBERS * 32)
  const members = Array.from({ length: GROUP_MEMBERS }, (_, i) => userOfKey(keys.subarray(32 * i, 32 * i + 32)).user_id)
  const clients = clientIds(GROUP_MEMBERS, size)
  const start = Date.UTC(2025, 11, 1)
  const seedDoc = new Y.Doc()
  for (let i = 0; i < size; i++) {
    const sender = i % GROUP_MEMBERS
    // NOTE: one document playing every member's device in turn: each message is written under its sender's id.
    seedDoc.clientID = clients[sender]!
    const message = groupMessage(members[sender]!, group_id, i, start + i * 1000)
    bucketMessages(seedDoc).set(message.message_id, message)
  }
  const seed = Y.encodeStateAsUpdate(seedDoc)
  seedDoc.destroy()
  const writer = writerDoc(seed, clients[0]!)
  const updates = updatesOf(writer, transact => {
    for (let i = 0; i < count; i++) {
      const message = groupMessage(members[0]!, group_id, size + i, start + (size + i) * 1000)
      transact(() => bucketMessages(writer).set(message.message_id, message))
    }
  })
  writer.destroy()
  return {
    room, seed, writer: members[0]!, writerClient: clients[0]!, updates,
    owners: new Map(clients.map((client, index) => [client, members[index]!]))
  }
}

/**
 * A profile room as the relay holds it: its owner's profile, renamed `earlier` times before
 * (from `devices` devices of theirs in turn, each its own Yjs client id: the overwritten values
 * are what a profile room accumulates), and `count` updates of the owner's first device, each a
 * rename. NOTE: in protocol v2 a profile room is the only room a stranger's client opens on its
 * own (to look someone up), and only its owner writes it; v1's directory of every profile is gone.
 */
export const profile = (count: number, { earlier = 0, devices = 1 }: { earlier?: number; devices?: number } = {}): JudgedRoom => {
  const own = userOfKey(randomBytes(32))
  const room = parseRoom(profileRoom(own.user_id))!
  const clients = clientIds(devices, earlier + devices)
  const created = new Date(Date.UTC(2025, 0, 1)).toISOString()
  const renamed = (i: number): User => ({ ...own, name: `member, name ${i}`, created_at: created, updated_at: new Date(Date.UTC(2025, 0, 1) + (i + 1) * 1000).toISOString(), deleted_at: null })
  const seedDoc = new Y.Doc()
  for (let i = 0; i <= earlier; i++) {
    seedDoc.clientID = clients[i % devices]!
    seedDoc.transact(() => profileRecord(seedDoc).set(own.user_id, renamed(i)))
  }
  const seed = Y.encodeStateAsUpdate(seedDoc)
  seedDoc.destroy()
  const writer = writerDoc(seed, clients[0]!)
  const updates = updatesOf(writer, transact => {
    for (let i = 0; i < count; i++) transact(() => profileRecord(writer).set(own.user_id, renamed(earlier + 1 + i)))
  })
  writer.destroy()
  return { room, seed, writer: own.user_id, writerClient: clients[0]!, updates, owners: new Map(clients.map(client => [client, own.user_id])) }
}
