// Hostile frames for the robustness fuzzer, from a seeded PRNG: random, mutated, protocol-invalid, oversized, gappy, CPU-heavy and forged.
/*
 * NOTE: one file for every generator (the brief allows no more), grouped in sections. Frames for
 * a room are y-websocket messages; on a mux socket they are wrapped in mux frames, which are
 * mutated too. Yjs updates are built with real Y.Docs where the point is realism (gaps, forged
 * entries) and by hand where it is a shape no Y.Doc would write (the bombs of
 * relay/writes/update-cost.test.ts, sized to the relay's largest frame).
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { toBase64Url } from '../../shared/ids'
import {
  MUX_FRAME_CODES, MessageType, encodeAwarenessEntries, encodeMessage, encodeMuxFrame, encodePermissionDenied, encodeRawMuxFrame, parseRoom,
  type AwarenessWireEntry
} from '../../shared/protocol'
import { after, before, craft, deletedEntry, deleting, mapEntry, run } from '../hand-updates'

// --- seeded randomness ---------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Random {
  private state: number
  constructor (readonly seed: number) { this.state = seed >>> 0 }

  float (): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, below). */
  int (below: number): number { return Math.floor(this.float() * below) }
  between (low: number, high: number): number { return low + this.int(high - low + 1) }
  chance (p: number): boolean { return this.float() < p }
  pick<T> (items: readonly T[]): T { return items[this.int(items.length)]! }
  bytes (length: number): Uint8Array { return Uint8Array.from({ length }, () => this.int(256)) }
  /** A Parley id (22 base64url characters). */
  id (): string { return toBase64Url(this.bytes(16)) }
  /** A Yjs client id no honest doc is likely to have. */
  clientId (): number { return 1 + this.int(2 ** 31) }
  /** An independent stream for `label` (one per socket), so that one socket's luck does not shift another's. */
  fork (label: number): Random { return new Random(Math.imul(this.seed ^ (label * 0x9e3779b1), 0x85ebca6b) ^ label) }
  /** A pick weighted by the numbers given. */
  weighted<T extends string> (weights: Record<T, number>): T {
    const entries = Object.entries(weights) as Array<[T, number]>
    let left = this.float() * entries.reduce((sum, [, weight]) => sum + weight, 0)
    for (const [key, weight] of entries) if ((left -= weight) < 0) return key
    return entries[entries.length - 1]![0]
  }
}

// --- what a hostile socket knows and aims at -----------------------------------------------

export const FRAME_KINDS = ['random', 'mutated', 'invalid', 'oversized', 'gappy', 'cpu-heavy', 'forged'] as const
export type FrameKind = typeof FRAME_KINDS[number]

export interface Frame {
  kind: FrameKind
  /** What exactly, e.g. 'cpu-heavy:cycle(2900)': printed with the seed when a check fails. */
  label: string
  /** Binary, or text (which the relay refuses). */
  data: Uint8Array | string
}

/** The rooms and people one hostile user deals with. */
export interface HostileWorld {
  /** The hostile user's id. */
  self: string
  /** Rooms where its own entries are fine (its own room, a conversation with another hostile user). */
  playground: string[]
  /** Honest rooms it may join (the directory, a group's rooms if it is a member): only forgeries go there. */
  honest: string[]
  /** Rooms it may not join (others' conversations and own rooms). */
  forbidden: string[]
  /** An honest user whose entries it forges, and the honest group it meddles with. */
  victim: string
  group: { group_id: string; record: Record<string, unknown> }
  maxFrameBytes: number
  /** The relay's copy of a room as this user last heard it, for forgeries of real entries. */
  known(room: string): Y.Doc | undefined
}

/** Where a frame goes: a mux socket and the rooms it has joined, or a one-room socket (`joined` is its room). */
export interface FrameTarget {
  mux: boolean
  joined: ReadonlySet<string>
}

// --- y-websocket messages ------------------------------------------------------------------

const syncMessage = (step: number, payload: Uint8Array): Uint8Array =>
  encodeMessage(MessageType.sync, encoder => { encoding.writeVarUint(encoder, step); encoding.writeVarUint8Array(encoder, payload) })
export const updateMessage = (update: Uint8Array, step = 2): Uint8Array => syncMessage(step, update)
const awarenessMessage = (entries: AwarenessWireEntry[]): Uint8Array => encodeAwarenessEntries(entries)

// --- hand-written v1 updates (test/hand-updates.ts) -----------------------------------------

const uint = encoding.writeVarUint
const text = encoding.writeVarString

// --- what each room holds ------------------------------------------------------------------

const ISO = '2025-01-01T00:00:00.000Z'
const fakeSignature = (random: Random): string => toBase64Url(random.bytes(64))

/** The root map and a plausible entry (key, value) of a room, written as `writer`. */
const entryFor = (random: Random, room: string, writer: string, world: HostileWorld): { root: string; key: string; value: unknown } => {
  const ref = parseRoom(room)
  switch (ref?.kind) {
    case 'user': return { root: 'reads', key: `group/${random.id()}`, value: { counts: { [random.id()]: random.int(100) } } }
    case 'directory': return { root: 'users', key: writer, value: { user_id: writer, name: 'Mallet', public_key: random.id(), created_at: ISO, updated_at: ISO, deleted_at: null } }
    case 'conversation': return { root: 'activity', key: writer, value: { count: random.int(9), last: null, signature: fakeSignature(random) } }
    case 'bucket': {
      const message_id = random.id()
      const direct = ref.conversation.kind === 'direct' ? ref.conversation.user_ids.find(id => id !== writer) ?? world.victim : null
      return {
        root: 'messages',
        key: message_id,
        value: {
          message_id, sender_id: writer, receiver_id: direct, group_id: direct === null ? world.group.group_id : null,
          content: 'fuzz', created_at: ISO, updated_at: ISO, deleted_at: null, signature: fakeSignature(random)
        }
      }
    }
    default: return { root: 'm', key: 'k', value: 1 }
  }
}

/** A Y.Doc's updates for `writes`, one transaction each, under a seeded client id. */
const docUpdates = (random: Random, writes: Array<(doc: Y.Doc) => void>, base?: Y.Doc): Uint8Array[] => {
  const doc = new Y.Doc()
  doc.clientID = random.clientId()
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base))
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const write of writes) doc.transact(() => write(doc))
  doc.destroy()
  return updates
}

/** Whether a room is an honest one, where the hostile user sends only writes of others' entries. */
const isHonest = (world: HostileWorld, room: string): boolean => world.honest.includes(room)

// --- forged writes: valid updates of entries the sender may not write ----------------------

/** A live entry of `root` in the relay's copy, as item ID and length, written by someone else. */
const someoneElsesEntry = (world: HostileWorld, random: Random, room: string, root: string): { key: string; client: number; clock: number; length: number } | null => {
  const doc = world.known(room)
  if (!doc || !doc.share.has(root)) return null
  const entries = [...doc.getMap(root)._map].filter(([key, item]) => !item.deleted && key !== world.self)
  if (entries.length === 0) return null
  const [key, item] = random.pick(entries)
  return { key, client: item.id.client, clock: item.id.clock, length: item.length }
}

const forgeries: Record<string, (random: Random, world: HostileWorld, room: string) => Uint8Array | null> = {
  /** A new entry in someone else's name: a message, an activity entry or a profile. */
  'as-victim': (random, world, room) => {
    const { root, key, value } = entryFor(random, room, world.victim, world)
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, root, key, value) })
  },
  /** An edit of an entry someone else wrote, after its item (as a client that saw it would write it). */
  'overwrite': (random, world, room) => {
    const root = forgedRootOf(random, world, room)
    const entry = someoneElsesEntry(world, random, room, root)
    if (!entry) return null
    const current = world.known(room)!.getMap(root).get(entry.key) as object
    // A group renamed by a member (a group has no `content`: that would be refused as an unknown field instead).
    const value = root === 'group' ? { ...current, name: 'forged' } : { ...current, content: 'forged', name: 'forged' }
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); after(e, entry.client, entry.clock + entry.length - 1, value) },
      deleting(entry.client, [[entry.clock, entry.length]]))
  },
  /** A deletion of someone else's entry (the group itself, in its room). */
  'delete': (random, world, room) => {
    const entry = someoneElsesEntry(world, random, room, forgedRootOf(random, world, room))
    return entry && craft(e => uint(e, 0), deleting(entry.client, [[entry.clock, entry.length]]))
  },
  /** The honest group changed, in its own room, by a member who is no admin of it. */
  'group-takeover': (random, world) =>
    craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, 'group', world.group.group_id, { ...world.group.record, name: 'taken', admin_ids: [world.self] }) }),
  /** A new group in the victim's name, in the honest group's room (which holds that group only). */
  'group-as-victim': (random, world) => {
    const group_id = random.id()
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, 'group', group_id, { ...world.group.record, group_id, created_by: world.victim }) })
  },
  /** A group of one's own, or the honest group taken over, written where groups were kept before (the directory has no such map now). */
  'group-in-directory': (random, world) => {
    const group_id = random.chance(0.5) ? world.group.group_id : random.id()
    const group = { ...world.group.record, group_id, name: 'taken', user_ids: [world.self], admin_ids: [world.self], created_by: world.self }
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, 'groups', group_id, group) })
  },
  /**
   * A struct whose clocks overlap what the relay holds of a client: it declares the hostile
   * user's own entry, but Yjs applies only the unknown tail, after that client's last item.
   */
  'overlapping-clocks': (random, world, room) => {
    const doc = world.known(room)
    const clients = doc ? [...doc.store.clients.keys()] : []
    if (!doc || clients.length === 0) return null
    const client = random.pick(clients)
    const state = Y.getState(doc.store, client)
    const from = Math.max(0, state - 1 - random.int(3))
    const { root, key } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, client, from); deletedEntry(e, root, key, state - from + 1) })
  },
  /** A value the hostile user may write, dead on arrival before someone else's entry, with a deletion of that entry. */
  'write-and-delete': (random, world, room) => {
    const root = rootOf(room)
    const entry = someoneElsesEntry(world, random, room, root)
    if (!entry) return null
    const { value } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); before(e, { client: entry.client, clock: entry.clock }, value) },
      deleting(entry.client, [[entry.clock, entry.length]]))
  },
  /** An entry of the hostile user's own, written under someone else's client id at its next clock. */
  'others-client-id': (random, world, room) => {
    const entry = someoneElsesEntry(world, random, room, forgedRootOf(random, world, room))
    const doc = world.known(room)
    if (!entry || !doc) return null
    const { root, key, value } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, entry.client, Y.getState(doc.store, entry.client)); mapEntry(e, root, key, value) })
  },
  'unknown-root': (random, world, room) => ownForgeries['unknown-root']!(random, world, room),
  'nested-type': (random, world, room) => ownForgeries['nested-type']!(random, world, room)
}
/** Invalid entries of the hostile user's own: only for its playground, since a mutation could make one valid. */
const ownForgeries: Record<string, (random: Random, world: HostileWorld, room: string) => Uint8Array | null> = {
  /** An entry of a map the room has no rule for. */
  'unknown-root': random => craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, random.pick(['m', 'admins', '__proto__']), 'k', { x: 1 }) }),
  /** A nested type instead of a plain value. */
  'nested-type': (random, world, room) => {
    const [update] = docUpdates(random, [doc => doc.getMap(rootOf(room)).set(random.id(), new Y.Map())])
    return update!
  },
  'invalid-value': (random, world, room) => {
    const { root, key } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, root, key, random.pick([null, 42, 'x', [1], { counts: 'no' }])) })
  },
  'too-long': (random, world, room) => {
    if (parseRoom(room)?.kind !== 'bucket') return null
    const { root, key, value } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, root, key, { ...(value as object), content: 'x'.repeat(4001), name: 'x'.repeat(65) }) })
  },
  'wrong-conversation': (random, world, room) => {
    if (parseRoom(room)?.kind !== 'bucket') return null
    const { root, key, value } = entryFor(random, room, world.self, world)
    return craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, root, key, { ...(value as object), group_id: random.id(), receiver_id: null }) })
  }
}

/** The group forgeries, each for the one room where it is a forgery of that group. */
const GROUP_FORGERY_ROOMS: Record<string, (world: HostileWorld, room: string) => boolean> = {
  'group-takeover': (world, room) => isGroupIndex(world, room),
  'group-as-victim': (world, room) => isGroupIndex(world, room),
  'group-in-directory': (_, room) => parseRoom(room)?.kind === 'directory'
}

/** Whether `room` is the honest group's index room, which holds the group's record. */
const isGroupIndex = (world: HostileWorld, room: string): boolean => {
  const ref = parseRoom(room)
  return ref?.kind === 'conversation' && ref.conversation.kind === 'group' && ref.conversation.group_id === world.group.group_id
}

/** The root whose entries a forgery of someone else's entry goes for: in the group's own room, its record half the time. */
const forgedRootOf = (random: Random, world: HostileWorld, room: string): string =>
  isGroupIndex(world, room) && random.chance(0.5) ? 'group' : rootOf(room)

const rootOf = (room: string): string => {
  switch (parseRoom(room)?.kind) {
    case 'directory': return 'users'
    case 'user': return 'reads'
    case 'conversation': return 'activity'
    default: return 'messages'
  }
}

// --- gappy updates: clocks beyond what the relay holds, references it never saw ------------

/** `first` is sent later (or never), if the socket is still there: then the relay can apply both. */
interface Gap { second: Uint8Array; first: Uint8Array | null; label: string }

const gaps: Record<string, (random: Random, world: HostileWorld, room: string) => Gap> = {
  /** Two writes of one doc; the second alone starts at a clock the relay has not reached. */
  'second-update': (random, world, room) => {
    const writer = isHonest(world, room) ? world.victim : world.self
    const [first, second] = docUpdates(random, [1, 2].map(() => (doc: Y.Doc) => {
      const { root, key, value } = entryFor(random, room, writer, world)
      doc.getMap(root).set(key, value)
    }))
    return { first: isHonest(world, room) ? null : first!, second: second!, label: 'second-update' }
  },
  /** An overwrite of an entry whose item the relay never saw (another doc's). */
  'unseen-origin': (random, world, room) => {
    const writer = isHonest(world, room) ? world.victim : world.self
    const { root, key, value } = entryFor(random, room, writer, world)
    const [original] = docUpdates(random, [doc => doc.getMap(root).set(key, value)])
    const base = new Y.Doc()
    Y.applyUpdate(base, original!)
    const [overwrite] = docUpdates(random, [doc => doc.getMap(root).set(key, { ...(value as object), content: 'again' })], base)
    base.destroy()
    return { first: isHonest(world, room) ? null : original!, second: overwrite!, label: 'unseen-origin' }
  },
  /** Deletions of a client the relay has never heard of. */
  'unseen-deletion': random => {
    const client = random.clientId()
    return { first: null, second: craft(e => uint(e, 0), deleting(client, [[random.int(100), 1 + random.int(5)]])), label: 'unseen-deletion' }
  }
}

// --- CPU-heavy updates: tiny for the wire, costly for Yjs (see relay/writes/update-cost.test.ts) --

const HUGE = [2 ** 50, 2 ** 40 - 1, 2 ** 32, 1_000_000]

/** `build(count)` for the largest count up to `most` whose bytes fit in a frame, with room for the headers. */
const filling = (world: HostileWorld, most: number, build: (count: number) => Uint8Array): Uint8Array => {
  const room = world.maxFrameBytes - 512
  let count = most
  let bytes = build(count)
  // Bounded: each round shrinks the count in proportion to the excess.
  for (let round = 0; bytes.length > room && count > 1 && round < 8; round++) {
    count = Math.max(1, Math.floor(count * room / bytes.length * 0.98))
    bytes = build(count)
  }
  return bytes
}

const bombs: Record<string, (random: Random, world: HostileWorld, room: string) => Uint8Array> = {
  'gc-huge': random => craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); encoding.writeUint8(e, 0); uint(e, random.pick(HUGE)) }),
  /** Thousands of one-tick GC structs of new clients: each a client in the room's state vector for good. */
  'gc-flood': (random, world) => filling(world, 2000, count =>
    craft(e => { uint(e, count); for (let i = 0; i < count; i++) { run(e, 1, random.clientId(), 0); encoding.writeUint8(e, 0); uint(e, 1) } })),
  'deleted-huge': (random, world, room) => craft(e => {
    uint(e, 1); run(e, 1, random.clientId(), 0)
    encoding.writeUint8(e, 1 | 32); uint(e, 1); text(e, rootOf(room)); text(e, isHonest(world, room) ? world.victim : `group/${random.id()}`); uint(e, random.pick(HUGE))
  }),
  'clock-huge': (random, world, room) => craft(e => { uint(e, 1); run(e, 1, random.clientId(), random.pick(HUGE)); mapEntry(e, rootOf(room), 'k', 1) }),
  'delete-huge': (random, world, room) => {
    const known = world.known(room)
    const client = known ? random.pick([...known.store.clients.keys(), 1]) : 1
    return craft(e => uint(e, 0), deleting(client, [[0, random.pick(HUGE)]]))
  },
  'skip': (random, world, room) => craft(e => { uint(e, 1); run(e, 2, random.clientId(), 0); encoding.writeUint8(e, 10); uint(e, 5); mapEntry(e, rootOf(room), 'k', 1) }),
  /** A 15-byte item after an origin nobody has: Yjs would keep it pending and re-merge all pending state each time. */
  'missing-origin': random => craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); after(e, random.clientId(), random.int(1_000_000)) }),
  'pending-deletes': (random, world) => {
    const client = random.clientId()
    return filling(world, 20_000, count => craft(e => uint(e, 0), deleting(client, Array.from({ length: count }, (_, i) => [2 * i, 1] as [number, number]))))
  },
  /** Every origin inside the update, in a ring: quadratic for Yjs, and all of it would stay pending. */
  'cycle': (random, world) => {
    const base = random.clientId()
    return filling(world, 8000, count => craft(e => { uint(e, count); for (let i = 0; i < count; i++) { run(e, 1, base + i, 0); after(e, base + (i + 1) % count, 0) } }))
  },
  /** Chained ContentAny items (each after the one before): Yjs merges them by copying ever longer arrays. */
  'chain-any': (random, world, room) => {
    const client = random.clientId()
    return filling(world, 10_000, count => craft(e => { uint(e, 1); run(e, count, client, 0); mapEntry(e, rootOf(room), 'k', 1); for (let i = 0; i < count - 1; i++) after(e, client, i) }))
  },
  'chain-json': (random, world) => {
    const client = random.clientId()
    return filling(world, 10_000, count => craft(e => {
      uint(e, 1); run(e, count, client, 0)
      encoding.writeUint8(e, 2); uint(e, 1); text(e, 'a'); uint(e, 1); text(e, '1')
      for (let i = 0; i < count - 1; i++) { encoding.writeUint8(e, 2 | 128); uint(e, client); uint(e, i); uint(e, 1); text(e, '1') }
    }))
  },
  'subdocuments': (random, world) => {
    const client = random.clientId()
    return filling(world, 20_000, count => craft(e => {
      uint(e, 1); run(e, count, client, 0)
      for (let i = 0; i < count; i++) { encoding.writeUint8(e, 9 | 32); uint(e, 1); text(e, 'm'); text(e, `d${i}`); text(e, 'g'); encoding.writeUint8(e, 118); uint(e, 0) }
    }))
  },
  /** Valid read marks overwriting one key again and again, from two alternating clients (no merging). */
  'long-history': (random, world) => {
    const [a, b] = [random.clientId(), random.clientId()]
    const value = { counts: {} }
    return filling(world, 2000, count => craft(e => {
      uint(e, 2)
      run(e, Math.ceil(count / 2), a, 0)
      for (let i = 0; i < count; i += 2) {
        if (i === 0) mapEntry(e, 'reads', 'group/AAAAAAAAAAAAAAAAAAAAAA', value)
        else after(e, b, i / 2 - 1, value)
      }
      run(e, Math.floor(count / 2), b, 0)
      for (let i = 1; i < count; i += 2) after(e, a, (i - 1) / 2, value)
    }))
  },
  /** A write to that same key with no origin: Yjs walks the key's whole history to place it. */
  'history-walk': random => craft(e => { uint(e, 1); run(e, 1, random.clientId(), 0); mapEntry(e, 'reads', 'group/AAAAAAAAAAAAAAAAAAAAAA', { counts: {} }) }),
  /** A value nested 30,000 arrays deep: lib0 reads it recursively. */
  'deep-value': (random, world, room) => {
    const client = random.clientId()
    return filling(world, 30_000, depth => craft(e => {
      uint(e, 1); run(e, 1, client, 0)
      encoding.writeUint8(e, 8 | 32); uint(e, 1); text(e, rootOf(room)); text(e, 'k'); uint(e, 1)
      for (let i = 0; i < depth; i++) { encoding.writeUint8(e, 117); uint(e, 1) }
      encoding.writeUint8(e, 126)
    }))
  },
  /** A string claiming a length far past the end. */
  'long-string': (random, world, room) => craft(e => {
    uint(e, 1); run(e, 1, random.clientId(), 0)
    encoding.writeUint8(e, 4 | 32); uint(e, 1); text(e, rootOf(room)); text(e, 'k'); uint(e, 2 ** 31)
  }),
  /** A run claiming 2^32 - 1 structs. */
  'struct-count': random => craft(e => { uint(e, 1); run(e, 2 ** 32 - 1, random.clientId(), 0); encoding.writeUint8(e, 0); uint(e, 1) })
}

/** Bombs that are messages of their own rather than updates. */
const messageBombs: Record<string, (random: Random, world: HostileWorld) => Uint8Array> = {
  /** A sync step 1 with a state vector of thousands of clients. */
  'wide-state-vector': (random, world) => filling(world, 20_000, count =>
    syncMessage(0, encoding.encode(e => { uint(e, count); for (let i = 0; i < count; i++) { uint(e, random.clientId()); uint(e, random.int(2 ** 40)) } }))),
  /** An awareness update of thousands of entries, each its own client. */
  'wide-awareness': (random, world) => filling(world, 5000, count =>
    awarenessMessage(Array.from({ length: count }, () => ({ client: random.clientId(), clock: 1, state: JSON.stringify({ user_id: world.self }) })))),
  /** One awareness state just under and just over the relay's size for one. */
  'large-presence': (random, world) =>
    awarenessMessage([{ client: random.clientId(), clock: 1, state: JSON.stringify({ user_id: world.self, pad: 'x'.repeat(random.between(900, 1100)) }) }])
}

// --- mutations -----------------------------------------------------------------------------

const VARINT_BLOWUPS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], // 2^53 - 1
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // overlong
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // never ends
  [0x80, 0x80, 0x80, 0x80, 0x10] // 2^32
]

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) { out.set(part, at); at += part.length }
  return out
}

const mutations: Record<string, (random: Random, bytes: Uint8Array, other: Uint8Array) => Uint8Array> = {
  'bit-flip': (random, bytes) => {
    const out = bytes.slice()
    for (let flips = random.between(1, 3); flips > 0 && out.length > 0; flips--) out[random.int(out.length)]! ^= 1 << random.int(8)
    return out
  },
  'byte': (random, bytes) => {
    const out = bytes.slice()
    if (out.length > 0) out[random.int(out.length)] = random.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff])
    return out
  },
  'truncate': (random, bytes) => bytes.slice(0, random.int(bytes.length)),
  'duplicate': (random, bytes) => {
    const start = random.int(bytes.length + 1)
    const slice = bytes.slice(start, start + random.between(1, 64))
    const at = random.int(bytes.length + 1)
    return concat(bytes.slice(0, at), slice, bytes.slice(at))
  },
  'repeat': (random, bytes) => concat(...Array.from({ length: random.between(2, 4) }, () => bytes)),
  'splice': (random, bytes, other) => concat(bytes.slice(0, random.int(bytes.length + 1)), other.slice(random.int(other.length + 1))),
  'varint': (random, bytes) => {
    const at = random.int(bytes.length + 1)
    return concat(bytes.slice(0, at), Uint8Array.from(random.pick(VARINT_BLOWUPS)), bytes.slice(at + random.int(2)))
  },
  'insert': (random, bytes) => {
    const at = random.int(bytes.length + 1)
    return concat(bytes.slice(0, at), random.bytes(random.between(1, 16)), bytes.slice(at))
  },
  'cut': (random, bytes) => {
    const at = random.int(bytes.length + 1)
    return concat(bytes.slice(0, at), bytes.slice(at + random.between(1, 32)))
  }
}

/** Room names the relay must refuse as unknown: malformed, not canonical, or out of range. */
const BAD_ROOM_NAMES = ['', 'nowhere', 'dm/x/y', 'group', 'group/', 'user/', 'directory/0', '../directory', 'directory\0',
  'dm/BBBBBBBBBBBBBBBBBBBBBB/AAAAAAAAAAAAAAAAAAAAAA', 'group/AAAAAAAAAAAAAAAAAAAAAA/01', 'group/AAAAAAAAAAAAAAAAAAAAAA/1000001',
  'user/AAAAAAAAAAAAAAAAAAAAAA/0', 'DIRECTORY', '\u{1F600}', 'x'.repeat(5000)]

// --- the generator -------------------------------------------------------------------------

const KIND_WEIGHTS: Record<FrameKind, number> = {
  random: 14, mutated: 30, invalid: 14, oversized: 3, gappy: 10, 'cpu-heavy': 12, forged: 17
}

export class HostileFrames {
  /** First halves of gappy updates, sent later to some sockets. */
  private readonly fillers: Array<{ room: string; update: Uint8Array }> = []

  constructor (private readonly random: Random, private readonly world: HostileWorld) {}

  /** The next frame for `target`, of `kind` or of a kind picked by weight. */
  next (target: FrameTarget, kind: FrameKind = this.random.weighted(KIND_WEIGHTS)): Frame {
    const room = this.pickRoom(target)
    switch (kind) {
      case 'random': return this.frame(kind, 'random', this.random.bytes(this.randomLength()), target, null)
      case 'mutated': return this.mutated(target, room)
      case 'invalid': return this.invalid(target, room)
      case 'oversized': return this.oversized(target, room)
      case 'gappy': return this.gappy(target, room)
      case 'cpu-heavy': return this.cpuHeavy(target, room)
      case 'forged': return this.forged(target, room)
    }
  }

  /** Wraps a room's message for a mux socket, unless `room` is null (raw bytes go as they are). */
  private frame (kind: FrameKind, label: string, message: Uint8Array | string, target: FrameTarget, room: string | null): Frame {
    if (typeof message === 'string' || !target.mux || room === null) return { kind, label, data: message }
    return { kind, label, data: encodeMuxFrame({ kind: 'message', room, payload: message }) }
  }

  private pickRoom (target: FrameTarget): string {
    const joined = [...target.joined]
    return joined.length > 0 ? this.random.pick(joined) : this.random.pick(this.world.playground)
  }

  private randomLength (): number {
    const random = this.random
    return random.weighted({ tiny: 3, small: 5, large: 2 }) === 'tiny' ? random.int(16) : random.chance(0.7) ? random.between(16, 256) : random.between(256, 8192)
  }

  /** A valid message for `room`: what mutations start from. Its label says which. */
  private valid (room: string): { label: string; message: Uint8Array } {
    const random = this.random
    const world = this.world
    switch (random.weighted({ step1: 2, update: 4, awareness: 2, query: 1 })) {
      case 'step1': return { label: 'sync-step-1', message: syncMessage(0, Y.encodeStateVector(world.known(room) ?? new Y.Doc())) }
      case 'awareness': return { label: 'awareness', message: awarenessMessage([{ client: random.clientId(), clock: random.int(10), state: JSON.stringify({ user_id: world.self }) }]) }
      case 'query': return { label: 'query-awareness', message: new Uint8Array([MessageType.queryAwareness]) }
      default: {
        // Honest rooms get a forgery (so a mutation cannot make a write of its own); playgrounds a real write.
        const writer = isHonest(world, room) ? world.victim : world.self
        const [update] = docUpdates(random, [doc => { const { root, key, value } = entryFor(random, room, writer, world); doc.getMap(root).set(key, value) }])
        return { label: 'sync-update', message: updateMessage(update!, random.pick([1, 2])) }
      }
    }
  }

  private mutated (target: FrameTarget, room: string): Frame {
    const random = this.random
    let base: Uint8Array
    let label: string
    let wrapped: boolean
    if (target.mux && random.chance(0.3)) {
      // The mux frame itself: a join or leave (of a room it may join), or a room's message.
      const muxRoom = random.pick([...this.world.playground, ...this.world.honest])
      const kind = random.pick([MUX_FRAME_CODES.join, MUX_FRAME_CODES.leave, MUX_FRAME_CODES.message])
      base = encodeRawMuxFrame(kind, muxRoom, kind === MUX_FRAME_CODES.message ? this.valid(muxRoom).message : undefined)
      label = ['mux-message', 'mux-join', 'mux-leave'][kind]!
      wrapped = true
    } else {
      ({ label, message: base } = this.valid(room))
      wrapped = false
    }
    const other = this.valid(room).message
    const names: string[] = []
    let bytes = base
    for (let count = random.between(1, 3); count > 0; count--) {
      const name = random.pick(Object.keys(mutations))
      names.push(name)
      bytes = mutations[name]!(random, bytes, other)
    }
    return this.frame('mutated', `mutated:${names.join('+')}(${label})`, bytes, target, wrapped ? null : room)
  }

  private invalid (target: FrameTarget, room: string): Frame {
    const random = this.random
    const choices = ['unknown-type', 'unknown-sync-step', 'client-auth', 'empty', 'text', 'bad-state-vector', 'bad-awareness', 'others-presence']
    if (target.mux) choices.push('unknown-mux-kind', 'bad-room-name', 'not-joined', 'forbidden-room', 'leave-unjoined')
    const choice = random.pick(choices)
    const as = (message: Uint8Array | string, muxRoom: string | null = room): Frame => this.frame('invalid', `invalid:${choice}`, message, target, muxRoom)
    switch (choice) {
      case 'unknown-type': return as(concat(encoding.encode(e => uint(e, random.pick([4, 5, 127, 128, 255, 2 ** 20, 2 ** 32]))), random.bytes(random.int(8))))
      case 'unknown-sync-step': return as(syncMessage(random.between(3, 300), random.bytes(random.int(8))))
      case 'client-auth': return as(encodePermissionDenied('let me in'))
      case 'empty': return as(new Uint8Array())
      case 'text': return as(random.pick(['hello?', '{"type":"sync"}', '\u0000']), null)
      case 'bad-state-vector': return as(syncMessage(0, random.bytes(random.between(1, 12))))
      case 'bad-awareness': return as(awarenessMessage([{ client: random.clientId(), clock: 1, state: random.pick(['{', '[1]', '42', '"x"', '{"user_id":1}']) }]))
      case 'others-presence': return as(awarenessMessage([{ client: random.clientId(), clock: random.pick([1, 2 ** 40]), state: JSON.stringify({ user_id: this.world.victim }) }]))
      case 'unknown-mux-kind': return as(encodeRawMuxFrame(random.between(3, 300), room), null)
      case 'bad-room-name': return as(encodeMuxFrame({ kind: 'join', room: random.pick(BAD_ROOM_NAMES) }), null)
      case 'not-joined': return as(encodeMuxFrame({ kind: 'message', room: random.pick(this.world.forbidden), payload: this.valid(room).message }), null)
      case 'leave-unjoined': return as(encodeMuxFrame({ kind: 'leave', room: random.pick(this.world.forbidden) }), null)
      default: { // forbidden-room: a join the relay refuses, and a message after it (which it drops)
        const forbidden = random.pick(this.world.forbidden)
        return as(random.chance(0.5) ? encodeMuxFrame({ kind: 'join', room: forbidden }) : encodeMuxFrame({ kind: 'message', room: forbidden, payload: this.valid(room).message }), null)
      }
    }
  }

  /** Just over the relay's largest frame (and sometimes just under it, which it must read and refuse). */
  private oversized (target: FrameTarget, room: string): Frame {
    const random = this.random
    const over = random.chance(0.8)
    const size = over ? this.world.maxFrameBytes + random.between(1, 4096) : this.world.maxFrameBytes - random.between(0, 64)
    const header = target.mux ? encodeMuxFrame({ kind: 'message', room, payload: updateMessage(new Uint8Array()) }) : updateMessage(new Uint8Array())
    const bytes = new Uint8Array(size)
    bytes.set(header.subarray(0, Math.min(header.length, size)))
    bytes.set(random.bytes(Math.min(256, size - header.length)), header.length)
    return { kind: 'oversized', label: over ? `oversized:${size}` : `at-limit:${size}`, data: bytes }
  }

  private gappy (target: FrameTarget, room: string): Frame {
    const random = this.random
    const filler = this.fillers.findIndex(entry => target.joined.has(entry.room))
    if (filler >= 0 && random.chance(0.3)) {
      const [{ room: fillerRoom, update }] = this.fillers.splice(filler, 1) as [{ room: string; update: Uint8Array }]
      return this.frame('gappy', 'gappy:filler', updateMessage(update), target, fillerRoom)
    }
    const name = random.pick(Object.keys(gaps))
    const gap = gaps[name]!(random, this.world, room)
    if (gap.first && this.fillers.length < 64) this.fillers.push({ room, update: gap.first })
    return this.frame('gappy', `gappy:${gap.label}`, updateMessage(gap.second, random.pick([1, 2])), target, room)
  }

  private cpuHeavy (target: FrameTarget, room: string): Frame {
    const random = this.random
    if (random.chance(0.15)) {
      const name = random.pick(Object.keys(messageBombs))
      return this.frame('cpu-heavy', `cpu-heavy:${name}`, messageBombs[name]!(random, this.world), target, room)
    }
    // The history builders only make sense in the hostile user's own room.
    const own = this.world.playground.find(name => parseRoom(name)?.kind === 'user' && target.joined.has(name))
    const names = Object.keys(bombs).filter(name => own !== undefined || (name !== 'long-history' && name !== 'history-walk'))
    const name = random.pick(names)
    const bombRoom = name === 'long-history' || name === 'history-walk' ? own! : room
    const update = bombs[name]!(random, this.world, bombRoom)
    return this.frame('cpu-heavy', `cpu-heavy:${name}(${update.length})`, updateMessage(update, random.pick([1, 2])), target, bombRoom)
  }

  /** Honest rooms get writes of others' entries; playgrounds invalid entries of one's own (others' being fine there). */
  private forged (target: FrameTarget, room: string): Frame {
    const random = this.random
    const table = isHonest(this.world, room) ? forgeries : ownForgeries
    const names = Object.keys(table).filter(name => GROUP_FORGERY_ROOMS[name]?.(this.world, room) ?? true)
    let name = random.pick(names)
    let update = table[name]!(random, this.world, room)
    if (update === null) {
      // Nothing of that kind here (no one else's entry yet, not a bucket): the simplest forgery instead.
      name = isHonest(this.world, room) ? 'as-victim' : 'invalid-value'
      update = table[name]!(random, this.world, room)!
    }
    return this.frame('forged', `forged:${name}`, updateMessage(update, random.pick([1, 2])), target, room)
  }
}
