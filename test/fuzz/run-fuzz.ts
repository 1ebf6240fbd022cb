// The robustness fuzzer: hostile sockets send generated frames while honest clients talk; then the relay's state is checked.
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import * as decoding from 'lib0/decoding'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { Conversation } from '../../client/conversation/conversation'
import type { ParleyClient } from '../../client/parley'
import { PARLEY_PROTOCOL, TOKEN_PROTOCOL_PREFIX, connectProtocols, createConnectToken } from '../../shared/connect-token'
import { createIdentity, type Identity } from '../../shared/identity'
import { DIRECTORY_ROOM, MUX_PATH, MessageType, bucketRoom, conversationRoom, directConversation, groupConversation, userRoom, decodeMuxFrame, encodeMuxFrame } from '../../shared/protocol'
import type { Relay } from '../../relay/server'
import { authenticatedSocket, contents, waitFor } from '../helpers'
import { HostileFrames, Random, updateMessage, type FrameTarget, type HostileWorld } from './frames'

/** The relay under test, however it runs. */
export interface FuzzRelay {
  /** http://host:port */
  url: string
  /** ws://host:port */
  wsUrl: string
  /** The relay's copy of a room as bytes (Y.encodeStateAsUpdate); read over the wire when absent. */
  copy?(room: string): Promise<Uint8Array>
  /** Stops the relay and starts it again on the same data; the reload check is skipped without it. */
  restart?(): Promise<FuzzRelay>
  /** The relay's log lines so far, searched for internal errors. */
  log?: readonly string[]
}

export interface FuzzOptions {
  relay: FuzzRelay
  /** Opens an honest client of the relay (fixture.client with the mux transport). */
  openClient(relay: { wsUrl: string }, name: string): Promise<ParleyClient>
  seed: number
  /** Hostile frames to send at most, over every socket. */
  frames: number
  /** Wall-clock limit of the hostile phase. */
  durationMs: number
  /** The relay's maxFrameBytes (oversized frames are sized from it). */
  maxFrameBytes: number
  /** Authenticated hostile sockets at once (default 6), besides one for unauthenticated and raw garbage. */
  hostileSockets?: number
  /** An honest round trip slower than this is a failure (default 5 s): a sanity bound, not a benchmark. */
  roundTripLimitMs?: number
  progress?(line: string): void
}

export interface Figures { count: number; p50: number; p99: number; max: number }

export interface FuzzReport {
  seed: number
  elapsedMs: number
  /** Frames and attempts sent, by kind (the generator's kinds, and the raw ones: http-garbage, tcp-garbage, ws-garbage, unauthenticated). */
  sent: Record<string, number>
  hostileFrames: number
  connections: number
  /** How hostile connections ended: WebSocket close codes, HTTP statuses ('http-404') or 'tcp-closed'. */
  closes: Record<string, number>
  honest: { messages: number; roundTripMs: Figures }
  /** Each check and whether it passed. */
  checks: Array<{ check: string; ok: boolean; detail?: string }>
  failures: string[]
}

// --- the honest side ---------------------------------------------------------------------

/** Resolves when a text shows in a conversation's newest messages; checks on every change and every 50 ms. */
class Arrivals {
  private readonly waiting = new Map<string, (at: number) => void>()
  private checking = false
  private again = false
  private readonly timer: NodeJS.Timeout
  private readonly unsubscribe: () => void

  constructor (private readonly conversation: Conversation) {
    this.unsubscribe = conversation.subscribe(() => { void this.check() })
    this.timer = setInterval(() => { void this.check() }, 50)
  }

  arrival (text: string): Promise<number> {
    return new Promise(resolve => { this.waiting.set(text, resolve); void this.check() })
  }

  private async check (): Promise<void> {
    if (this.waiting.size === 0) return
    if (this.checking) { this.again = true; return }
    this.checking = true
    try {
      do {
        this.again = false
        const seen = new Set(await contents(this.conversation, 20).catch(() => []))
        const at = performance.now()
        for (const [text, resolve] of this.waiting) if (seen.has(text)) { this.waiting.delete(text); resolve(at) }
      } while (this.again)
    } finally {
      this.checking = false
    }
  }

  destroy (): void { clearInterval(this.timer); this.unsubscribe() }
}

interface Route { name: string; from: Conversation; to: Arrivals[] }

/** The honest clients, their conversations, and every text sent in each. */
interface Honest {
  clients: ParleyClient[]
  group_id: string
  conversations: Array<{ room: string; members: Array<{ client: ParleyClient; conversation: Conversation }>; sent: string[] }>
  routes: Array<Route & { sent: string[] }>
  arrivals: Arrivals[]
}

const openHonest = async (options: FuzzOptions, eve: string): Promise<Honest> => {
  const { relay, openClient } = options
  const [ada, bob, carol] = [await openClient(relay, 'Ada'), await openClient(relay, 'Bob'), await openClient(relay, 'Carol')]
  const clients = [ada!, bob!, carol!]
  // Messages show once their signature verifies against the sender's key, read from the directory.
  await waitFor('the honest clients know each other', () => clients.every(client => clients.every(other => client.user(other.me.user_id) !== null)), 10_000)
  const group = await ada!.createGroup({ name: 'Fuzzed', user_ids: [bob!.me.user_id, carol!.me.user_id, eve] })
  await waitFor('everyone sees the group', () => clients.every(client => client.group(group.group_id) !== null), 10_000)
  const direct = [await ada!.openDirect(bob!.me.user_id), await bob!.openDirect(ada!.me.user_id)] as const
  const inGroup = await Promise.all(clients.map(client => client.openGroup(group.group_id)))
  const arrivals = [...direct, ...inGroup].map(conversation => new Arrivals(conversation))
  const [adaDirect, bobDirect, adaGroup, bobGroup, carolGroup] = arrivals as [Arrivals, Arrivals, Arrivals, Arrivals, Arrivals]
  const directSent: string[] = []
  const groupSent: string[] = []
  const routes = [
    { name: 'direct Ada→Bob', from: direct[0], to: [bobDirect], sent: directSent },
    { name: 'direct Bob→Ada', from: direct[1], to: [adaDirect], sent: directSent },
    { name: 'group Carol→all', from: inGroup[2]!, to: [adaGroup, bobGroup], sent: groupSent },
    { name: 'group Ada→all', from: inGroup[0]!, to: [bobGroup, carolGroup], sent: groupSent },
    { name: 'group Bob→all', from: inGroup[1]!, to: [adaGroup, carolGroup], sent: groupSent }
  ]
  return {
    clients,
    group_id: group.group_id,
    conversations: [
      { room: conversationRoom(direct[0].ref), members: [{ client: ada!, conversation: direct[0] }, { client: bob!, conversation: direct[1] }], sent: directSent },
      { room: conversationRoom(groupConversation(group.group_id)), members: clients.map((client, i) => ({ client, conversation: inGroup[i]! })), sent: groupSent }
    ],
    routes,
    arrivals
  }
}

/** Sends one message along a route and resolves with its round trip (ms) to the last recipient, or null past `limitMs`. */
const roundTrip = async (route: Route & { sent: string[] }, text: string, limitMs: number): Promise<number | null> => {
  const started = performance.now()
  route.sent.push(text)
  const arrived = route.from.send(text)
    .then(() => Promise.all(route.to.map(arrivals => arrivals.arrival(text))))
    .then(times => Math.max(...times) - started)
  // A send that throws is as bad as one that never arrives: both show as a slow round trip, and as a missing message.
  return Promise.race([arrived.catch(() => null), sleep(limitMs, null)])
}

// --- the hostile side --------------------------------------------------------------------

interface Tally {
  sent: Record<string, number>
  closes: Record<string, number>
  connections: number
  /** The last frames sent, for a failure's report. */
  recent: string[]
}

const count = (counts: Record<string, number>, key: string): void => { counts[key] = (counts[key] ?? 0) + 1 }

/** Frames allowed while both the frame count and the deadline last. */
class Budget {
  private used = 0
  constructor (private readonly frames: number, private readonly deadline: number) {}
  take (): boolean {
    if (this.exhausted) return false
    this.used += 1
    return true
  }
  get exhausted (): boolean { return this.used >= this.frames || Date.now() >= this.deadline }
  get spent (): number { return this.used }
}

/** Applies what the relay says about a room to this hostile user's picture of it. */
const learn = (known: Map<string, Y.Doc>, room: string, message: Uint8Array): void => {
  try {
    const decoder = decoding.createDecoder(message)
    if (decoding.readVarUint(decoder) !== MessageType.sync || decoding.readVarUint(decoder) === 0) return
    let doc = known.get(room)
    if (!doc) known.set(room, doc = new Y.Doc())
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
  } catch {}
}

/** A sync step 1 that holds nothing: the relay answers with all it has. */
const syncStep1 = (): Uint8Array => updateMessage(Y.encodeStateVector(new Y.Doc()), 0)

/** One authenticated hostile connection at a time, reconnecting when closed, sending frames until the budget is spent. */
const hostileWorker = async (
  relay: FuzzRelay, identity: Identity, world: HostileWorld, known: Map<string, Y.Doc>, random: Random,
  budget: Budget, tally: Tally, intervalMs: number
): Promise<void> => {
  const frames = new HostileFrames(random, world)
  let next = performance.now()
  while (!budget.exhausted) {
    const mux = random.chance(0.6)
    const path = mux ? MUX_PATH : random.pick([...world.playground, ...world.honest, ...world.honest, ...world.forbidden])
    const socket = await authenticatedSocket(relay.wsUrl, path, identity)
    tally.connections += 1
    const ended = new Promise<void>(resolve => {
      socket.on('close', code => { count(tally.closes, String(code)); resolve() })
      socket.on('unexpected-response', (_request, response) => { count(tally.closes, `http-${response.statusCode}`); socket.terminate(); resolve() })
    })
    socket.on('error', () => {})
    socket.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data)
      if (!mux) return learn(known, path, bytes)
      try {
        const frame = decodeMuxFrame(bytes)
        if (typeof frame !== 'string' && frame.kind === 'message') learn(known, frame.room, frame.payload)
      } catch {}
    })
    const opened = await Promise.race([new Promise<boolean>(resolve => socket.once('open', () => resolve(true))), ended.then(() => false), sleep(5000, false)])
    if (!opened) { socket.terminate(); continue }
    // Joins and sync step 1s, as a client starts: counted as 'setup' (one per room), not as hostile frames.
    const rooms = mux ? [...world.playground, ...world.honest].filter(() => random.chance(0.8)) : [path]
    const target: FrameTarget = { mux, joined: new Set(rooms) }
    for (const room of rooms) {
      if (mux) socket.send(encodeMuxFrame({ kind: 'join', room }))
      socket.send(mux ? encodeMuxFrame({ kind: 'message', room, payload: syncStep1() }) : syncStep1())
      count(tally.sent, 'setup')
    }
    while (socket.readyState === WebSocket.OPEN && budget.take()) {
      const frame = frames.next(target)
      count(tally.sent, frame.kind)
      tally.recent.push(`${path} ${frame.label}`)
      if (tally.recent.length > 40) tally.recent.shift()
      socket.send(frame.data)
      next += intervalMs
      const wait = next - performance.now()
      if (wait > 0) await sleep(wait)
      else { next = performance.now(); await new Promise(resolve => setImmediate(resolve)) }
      // A throttled socket: the relay has paused reading it; wait (bounded) rather than pile up frames here.
      for (let waited = 0; socket.readyState === WebSocket.OPEN && socket.bufferedAmount > 1 << 20 && waited < 3000; waited += 20) await sleep(20)
    }
    socket.close()
    await Promise.race([ended, sleep(1000)])
    socket.terminate()
  }
}

/** Connects to the relay's port, lets `write` send, and says what came back: an HTTP status, a close code, or the TCP end. */
const rawExchange = (port: number, write: (socket: Socket) => void, holdMs = 1500): Promise<string> =>
  new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    let reply = Buffer.alloc(0)
    let settled = false
    const done = (outcome: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    const outcome = (): string => {
      const head = reply.toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)
      if (status?.[1] !== '101') return status ? `http-${status[1]}` : reply.length > 0 ? 'tcp-reply' : 'tcp-closed'
      // After a 101, the relay's first frame: a close frame carries its code.
      const frame = reply.subarray(head.indexOf('\r\n\r\n') + 4)
      return frame.length >= 4 && (frame[0]! & 0x0f) === 0x8 ? `ws-${frame.readUInt16BE(2)}` : 'http-101'
    }
    const timer = setTimeout(() => done(reply.length > 0 ? outcome() : 'timeout'), holdMs)
    socket.on('connect', () => write(socket))
    socket.on('data', chunk => { reply = Buffer.concat([reply, chunk]).subarray(0, 8192) })
    socket.on('error', () => done(reply.length > 0 ? outcome() : 'tcp-error'))
    socket.on('close', () => done(outcome()))
  })

const upgradeRequest = (host: string, path: string, headers: string[]): string =>
  [`GET /${path} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', ...headers, '', ''].join('\r\n')

/** A client WebSocket frame as ws would never send one: any first byte, masked or not, any length. */
const rawWsFrame = (random: Random): Buffer => {
  const firstByte = random.pick([0x82, 0x02, 0x80, 0x81, 0x88, 0x89, 0x8a, 0x8b, 0xc2, 0xa2, 0x92, random.int(256)])
  const payload = Buffer.from(random.bytes(random.pick([0, 2, 5, 125, 126, 200])))
  if (firstByte === 0x81) payload.set([0xc3, 0x28].slice(0, payload.length)) // invalid UTF-8 in a text frame
  if (firstByte === 0x88 && payload.length >= 2) payload.writeUInt16BE(random.pick([0, 999, 1005, 1006, 2000, 5000]))
  const masked = random.chance(0.85)
  const length = random.chance(0.1) ? Buffer.from([masked ? 0xff : 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    : payload.length < 126 ? Buffer.from([(masked ? 0x80 : 0) | payload.length])
      : Buffer.from([(masked ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 0xff])
  const mask = masked ? randomBytes(4) : Buffer.alloc(0)
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!)) : payload
  return Buffer.concat([Buffer.from([firstByte]), length, mask, body])
}

/** Unauthenticated sockets, garbage upgrades, raw TCP garbage and raw WebSocket frames after a valid handshake. */
const rawWorker = async (relay: FuzzRelay, identity: Identity, random: Random, budget: Budget, tally: Tally, intervalMs: number): Promise<void> => {
  const { host, port } = new URL(relay.wsUrl)
  const key = (): string => `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`
  while (budget.take()) {
    const kind = random.weighted({ unauthenticated: 3, 'http-garbage': 3, 'tcp-garbage': 2, 'ws-garbage': 3 })
    count(tally.sent, kind)
    tally.connections += 1
    let outcome: string
    if (kind === 'unauthenticated') {
      // No token, a garbage one, or one replayed: refused after the upgrade (4401), whatever is sent.
      const path = random.pick([MUX_PATH, DIRECTORY_ROOM])
      const protocols = random.weighted({ none: 2, garbage: 1, replayed: 1 })
      let offered: string[] = []
      if (protocols === 'garbage') offered = [PARLEY_PROTOCOL, TOKEN_PROTOCOL_PREFIX + random.pick(['', 'x', 'a.b', 'a.b.c', Buffer.from(random.bytes(90)).toString('base64url')])]
      if (protocols === 'replayed') {
        const token = await createConnectToken(identity, `${relay.wsUrl}/${path}`)
        const first = new WebSocket(`${relay.wsUrl}/${path}`, connectProtocols(token))
        first.on('error', () => {})
        await Promise.race([new Promise(resolve => first.once('open', resolve)), sleep(2000)])
        first.terminate()
        offered = connectProtocols(token)
      }
      const socket = new WebSocket(`${relay.wsUrl}/${path}`, offered)
      socket.on('error', () => {})
      socket.on('open', () => socket.send(random.bytes(random.int(64))))
      outcome = await Promise.race([
        new Promise<string>(resolve => {
          socket.once('close', code => resolve(String(code)))
          socket.once('unexpected-response', (_request, response) => resolve(`http-${response.statusCode}`))
        }),
        sleep(3000, 'timeout')
      ])
      socket.terminate()
    } else if (kind === 'http-garbage') {
      const request = random.pick([
        () => upgradeRequest(host, MUX_PATH, ['Sec-WebSocket-Version: 13']), // no key
        () => upgradeRequest(host, MUX_PATH, [key(), 'Sec-WebSocket-Version: 99']),
        () => upgradeRequest(host, random.pick(['../../etc/passwd', '%E0%A4%A', 'dm/x/y', '', 'directory?x=1#y']), [key(), 'Sec-WebSocket-Version: 13']),
        () => upgradeRequest(host, DIRECTORY_ROOM, [key(), 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Protocol: ${PARLEY_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${'A'.repeat(random.int(3000))}`]),
        () => upgradeRequest(host, MUX_PATH, [key(), 'Sec-WebSocket-Version: 13', `X-Padding: ${'p'.repeat(20_000 + random.int(50_000))}`]),
        () => `${Buffer.from(random.bytes(random.between(1, 200))).toString('latin1')}\r\n\r\n`,
        () => 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc',
        () => upgradeRequest(host, MUX_PATH, [key()]).slice(0, random.int(60)) // cut short, then held open
      ])()
      outcome = await rawExchange(Number(port), socket => socket.write(request))
    } else if (kind === 'tcp-garbage') {
      const bytes = random.bytes(random.between(1, 4096))
      outcome = await rawExchange(Number(port), socket => socket.end(bytes), 1000)
    } else {
      const path = random.pick([MUX_PATH, DIRECTORY_ROOM])
      const token = await createConnectToken(identity, `${relay.wsUrl}/${path}`)
      const frames = Array.from({ length: random.between(1, 3) }, () => rawWsFrame(random))
      outcome = await rawExchange(Number(port), socket => {
        socket.write(upgradeRequest(host, path, [key(), 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Protocol: ${connectProtocols(token).join(', ')}`]))
        socket.once('data', () => { for (const frame of frames) socket.write(frame) })
      })
    }
    count(tally.closes, outcome)
    await sleep(intervalMs)
  }
}

// --- checks ------------------------------------------------------------------------------

/** JSON with sorted keys, so equal contents compare equal. */
const canonical = (value: unknown): string => JSON.stringify(value, (_key, inner: unknown) =>
  inner !== null && typeof inner === 'object' && !Array.isArray(inner)
    ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    : inner)

/** Every root map of a document (Parley's documents hold nothing else), as JSON. */
const contentOf = (doc: Y.Doc): string =>
  canonical(Object.fromEntries([...doc.share.keys()].sort().map(name => [name, doc.getMap(name).toJSON()]).filter(([, map]) => Object.keys(map as object).length > 0)))

const docOf = (update: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

const stateVectorOf = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc))

/** An honest client's replica of a room. NOTE: reached through private fields: the client exposes no documents. */
const replicaDoc = async (client: ParleyClient, room: string): Promise<Y.Doc | null> => {
  const inside = client as unknown as { directory: { doc: Y.Doc }; pool: { entries: Map<string, { replica: Promise<{ doc: Y.Doc }> }> } }
  if (room === DIRECTORY_ROOM) return inside.directory.doc
  return (await inside.pool.entries.get(room)?.replica.catch(() => null))?.doc ?? null
}

/** The relay's copy of a room, asked for over the wire as a newcomer would (a sync step 1 with nothing). */
export const copyOverWire = async (wsUrl: string, room: string, identity: Identity): Promise<Uint8Array> => {
  const socket = await authenticatedSocket(wsUrl, room, identity)
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${room}`)), 10_000)
      socket.on('error', reject)
      socket.on('open', () => socket.send(syncStep1()))
      socket.on('message', (data: Buffer) => {
        const decoder = decoding.createDecoder(new Uint8Array(data))
        if (decoding.readVarUint(decoder) !== MessageType.sync || decoding.readVarUint(decoder) !== 1) return
        clearTimeout(timer)
        resolve(decoding.readVarUint8Array(decoder))
      })
    })
  } finally {
    socket.terminate()
  }
}

/** The relay's copy of a room it runs in this process (as in test/forgery.test.ts). */
export const relayCopy = async (relay: Relay, room: string): Promise<Uint8Array> => {
  const reader = { send: () => {}, awarenessClients: new Set<number>(), user_id: '', revoke: () => {} }
  const loaded = await relay.registry.join(room, reader)
  try {
    return Y.encodeStateAsUpdate(loaded.doc)
  } finally {
    relay.registry.leave(loaded, reader)
  }
}

/** A relay started in this process, which `start` starts again on the same data (and port). */
export const inProcessRelay = (relay: Relay & { log?: string[] }, start?: () => Promise<Relay & { log?: string[] }>): FuzzRelay => ({
  url: relay.url,
  wsUrl: relay.wsUrl,
  log: relay.log,
  copy: room => relayCopy(relay, room),
  restart: start && (async () => {
    await relay.close()
    return inProcessRelay(await start(), start)
  })
})

const percentile = (sorted: number[], p: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!

/** Who a client is, for a check's name. */
const nameOf = (client: ParleyClient): string => client.profile()?.name ?? client.me.user_id

/**
 * Entries of an honest room that no honest client wrote: by their keys, senders and texts. The
 * honest group's record is in its own index room only, under its id, as its admin wrote it.
 */
const strangeEntries = (doc: Y.Doc, room: string, honestIds: ReadonlySet<string>, group: { group_id: string; record: unknown }, sent: ReadonlySet<string>): string[] => {
  const strange: string[] = []
  const entries = (root: string) => doc.share.has(root) ? [...doc.getMap(root).entries()] as Array<[string, Record<string, unknown>]> : []
  const groupIndex = conversationRoom(groupConversation(group.group_id))
  for (const [key] of entries('users')) if (!honestIds.has(key)) strange.push(`users/${key}`)
  for (const [key, value] of entries('group')) {
    if (room !== groupIndex || key !== group.group_id || canonical(value) !== canonical(group.record)) strange.push(`group/${key}`)
  }
  for (const [key] of entries('activity')) if (!honestIds.has(key)) strange.push(`activity/${key}`)
  for (const [key] of entries('buckets')) if (key !== '0') strange.push(`buckets/${key}`)
  for (const [key, message] of entries('messages')) {
    if (!honestIds.has(String(message?.sender_id)) || !sent.has(String(message?.content))) strange.push(`messages/${key}`)
  }
  // NOTE: 'groups' (where the directory kept every group before) is no root of any room now.
  const known = new Set(['users', 'group', 'activity', 'buckets', 'messages'])
  for (const root of doc.share.keys()) if (!known.has(root) && doc.getMap(root).size > 0) strange.push(`${root}/*`)
  return strange
}

// --- the run -----------------------------------------------------------------------------

export const runFuzz = async (options: FuzzOptions): Promise<FuzzReport> => {
  const { seed, relay, maxFrameBytes } = options
  const limitMs = options.roundTripLimitMs ?? 5000
  const progress = options.progress ?? (() => {})
  const random = new Random(seed)
  const started = Date.now()
  const checks: FuzzReport['checks'] = []
  const check = (name: string, ok: boolean, detail?: string): void => { checks.push({ check: name, ok, ...(detail ? { detail } : {}) }) }
  const tally: Tally = { sent: {}, closes: {}, connections: 0, recent: [] }
  const roundTrips: number[] = []

  // Eve is in the honest group, no admin (so she may join its rooms and try forgeries there, its record
  // included); Mallory is in nothing, and is refused its rooms.
  const [eve, mallory] = [await createIdentity(), await createIdentity()]
  const honest = await openHonest(options, eve.user_id)
  const [ada, bob] = honest.clients as [ParleyClient, ParleyClient, ParleyClient]
  const group = groupConversation(honest.group_id)
  const direct = directConversation(ada.me.user_id, bob.me.user_id)
  // A first message in each conversation, so that its rooms exist before anyone hostile comes.
  for (const route of [honest.routes[0]!, honest.routes[2]!]) {
    if (await roundTrip(route, `${route.name} warm-up`, 10_000) === null) check('warm-up round trip', false, route.name)
  }
  const honestRooms = [DIRECTORY_ROOM, conversationRoom(direct), bucketRoom(direct, 0), conversationRoom(group), bucketRoom(group, 0)]
  const hostileDirect = directConversation(eve.user_id, mallory.user_id)
  const playground = (self: Identity) => [userRoom(self.user_id), conversationRoom(hostileDirect), bucketRoom(hostileDirect, 0)]
  const groupRecord = ada.group(honest.group_id) as unknown as Record<string, unknown>
  const forbidden = [userRoom(ada.me.user_id), conversationRoom(direct), bucketRoom(direct, 0)]
  const hostileUsers = [eve, mallory].map(self => {
    const known = new Map<string, Y.Doc>()
    const member = self === eve
    const world: HostileWorld = {
      self: self.user_id,
      playground: playground(self),
      honest: member ? [DIRECTORY_ROOM, conversationRoom(group), bucketRoom(group, 0)] : [DIRECTORY_ROOM],
      forbidden: member ? forbidden : [...forbidden, conversationRoom(group), bucketRoom(group, 0)],
      victim: ada.me.user_id,
      group: { group_id: honest.group_id, record: groupRecord },
      maxFrameBytes,
      known: room => known.get(room)
    }
    return { identity: self, world, known }
  })

  // The hostile phase: workers and honest traffic until the frames or the time run out.
  const budget = new Budget(options.frames, Date.now() + options.durationMs)
  const workers = options.hostileSockets ?? 6
  // Spread the frames over ~50% of the time (reconnecting takes the rest), so that the count, not the clock, usually ends the run.
  const intervalMs = (0.5 * options.durationMs * (workers + 1)) / options.frames
  const hostileStart = Date.now()
  progress(`seed ${seed}: honest clients ready after ${((hostileStart - started) / 1000).toFixed(1)} s; now ${options.frames} frames or ${Math.round(options.durationMs / 1000)} s, ${workers} hostile sockets + 1 raw`)
  const hostile = Promise.all([
    ...Array.from({ length: workers }, (_, i) => {
      const { identity, world, known } = hostileUsers[i % hostileUsers.length]!
      return hostileWorker(relay, identity, world, known, random.fork(i + 1), budget, tally, intervalMs)
    }),
    rawWorker(relay, mallory, random.fork(0), budget, tally, intervalMs)
  ])
  let hostileDone = false
  void hostile.finally(() => { hostileDone = true })
  const reporter = setInterval(() => progress(`${Math.round((Date.now() - hostileStart) / 1000)} s: ${budget.spent} frames, ${tally.connections} connections, ${roundTrips.length} honest round trips`), 10_000)
  let sequence = 0
  let slow = 0
  try {
    while (!hostileDone) {
      const route = honest.routes[sequence % honest.routes.length]!
      const time = await roundTrip(route, `${route.name} #${sequence++}`, limitMs)
      if (time === null) slow += 1
      else roundTrips.push(time)
      await sleep(50)
    }
    await hostile
  } finally {
    clearInterval(reporter)
  }
  check(`every honest round trip within ${limitMs} ms`, slow === 0, slow > 0 ? `${slow} slower` : undefined)
  progress(`hostile phase over after ${Math.round((Date.now() - hostileStart) / 1000)} s; checking`)

  // The relay is up.
  const health = await fetch(`${relay.url}/healthz`).then(async response => ({ status: response.status, body: await response.text() }), (error: Error) => ({ status: 0, body: error.message }))
  check('the relay answers /healthz', health.status === 200, `${health.status} ${health.body.slice(0, 200)}`)
  const internalErrors = (relay.log ?? []).filter(line => line.includes(' error ') || line.includes('internal-error'))
  check('the relay logged no internal error', internalErrors.length === 0, internalErrors.slice(0, 3).join('\n'))

  // Every honest message arrived at every other member exactly once, and nothing else did.
  const received = async () => Promise.all(honest.conversations.flatMap(({ members, sent }) =>
    members.map(async ({ client, conversation }) => ({ client, sent, got: (await contents(conversation, 10_000).catch(() => [])).sort() }))))
  let inboxes = await received()
  // One bounded wait for them all: a message late by seconds is a failure anyway.
  await waitFor('every honest message everywhere', async () => (inboxes = await received()).every(({ sent, got }) => sent.every(text => got.includes(text))), 10_000).catch(() => {})
  for (const { client, sent, got } of inboxes) {
    const expected = [...sent].sort()
    const room = honest.conversations.find(conversation => conversation.sent === sent)!.room
    check(`${nameOf(client)} has every message of ${room} exactly once, and no other`, canonical(got) === canonical(expected),
      `missing ${expected.filter(text => !got.includes(text)).slice(0, 5).join(', ')}; extra or repeated ${got.filter((text, i) => got.indexOf(text) !== i || !expected.includes(text)).slice(0, 5).join(', ')}`)
  }

  // The relay's copy of each honest room is what the honest clients hold, and holds nothing from anyone else.
  const copy = relay.copy?.bind(relay) ?? ((room: string) => copyOverWire(relay.wsUrl, room, ada.me))
  const honestIds = new Set(honest.clients.map(client => client.me.user_id))
  const allSent = new Set(honest.conversations.flatMap(conversation => conversation.sent))
  const holders = async (room: string) => {
    const members = room.includes(honest.group_id) || room === DIRECTORY_ROOM ? honest.clients : [ada, bob]
    return Promise.all(members.map(async client => ({ client, doc: await replicaDoc(client, room) })))
  }
  const sameState = (a: Y.Doc, b: Y.Doc): boolean => canonical([...stateVectorOf(a)].sort()) === canonical([...stateVectorOf(b)].sort())
  const relayDocs = new Map<string, Y.Doc>()
  // The last echoes may still be on their way: one bounded wait for every replica to match.
  await waitFor('every honest replica to match the relay', async () => {
    for (const room of honestRooms) relayDocs.set(room, docOf(await copy(room)))
    for (const room of honestRooms) for (const { doc } of await holders(room)) if (doc === null || !sameState(doc, relayDocs.get(room)!)) return false
    return true
  }, 10_000).catch(() => {})
  for (const room of honestRooms) {
    const relayDoc = relayDocs.get(room)!
    const clientIds = new Set<number>()
    for (const { client, doc } of await holders(room)) {
      if (doc === null) { check(`${nameOf(client)} holds ${room}`, false); continue }
      clientIds.add(doc.clientID)
      const same = sameState(doc, relayDoc)
      check(`${nameOf(client)}'s state vector of ${room} is the relay's`, same, same ? undefined : `${canonical([...stateVectorOf(doc)])} vs relay ${canonical([...stateVectorOf(relayDoc)])}`.slice(0, 400))
      check(`${nameOf(client)}'s content of ${room} is the relay's`, contentOf(doc) === contentOf(relayDoc))
    }
    const foreign = [...stateVectorOf(relayDoc)].filter(([client]) => !clientIds.has(client))
    check(`the relay's ${room} holds changes of honest clients only`, foreign.length === 0,
      foreign.length > 0 ? `${foreign.length} other Yjs clients, e.g. ${foreign.slice(0, 3).map(([client, clock]) => `${client}@${clock}`).join(', ')}` : undefined)
    const strangers = strangeEntries(relayDoc, room, honestIds, { group_id: honest.group_id, record: groupRecord }, allSent)
    check(`the relay's ${room} holds honest entries only`, strangers.length === 0, strangers.slice(0, 3).join('; '))
    relayDoc.destroy()
  }

  // A restart on the same data brings every honest room back byte for byte.
  if (relay.restart) {
    const before = await Promise.all(honestRooms.map(room => copy(room)))
    for (const arrivals of honest.arrivals) arrivals.destroy()
    for (const client of honest.clients) await client.close()
    const restarted = await relay.restart()
    const after = await Promise.all(honestRooms.map(room => restarted.copy ? restarted.copy(room) : copyOverWire(restarted.wsUrl, room, ada.me)))
    honestRooms.forEach((room, i) => {
      const same = Buffer.from(before[i]!).equals(Buffer.from(after[i]!))
      check(`${room} reloads byte for byte after a restart`, same, same ? undefined
        : `${before[i]!.length} bytes before, ${after[i]!.length} after; content ${contentOf(docOf(before[i]!)) === contentOf(docOf(after[i]!)) ? 'equal' : 'differs'}`)
    })
  } else {
    for (const arrivals of honest.arrivals) arrivals.destroy()
  }

  const sorted = [...roundTrips].sort((a, b) => a - b)
  const failures = checks.filter(result => !result.ok).map(result => `${result.check}${result.detail ? `: ${result.detail}` : ''}`)
  if (failures.length > 0) failures.push(`seed ${seed}; last frames sent:\n  ${tally.recent.join('\n  ')}`)
  return {
    seed,
    elapsedMs: Date.now() - started,
    sent: tally.sent,
    hostileFrames: budget.spent,
    connections: tally.connections,
    closes: tally.closes,
    honest: {
      messages: honest.conversations.reduce((sum, conversation) => sum + conversation.sent.length, 0),
      roundTripMs: { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 }
    },
    checks,
    failures
  }
}

/** The report as a person reads it. */
export const formatReport = (report: FuzzReport): string => {
  const byCount = (counts: Record<string, number>) => Object.entries(counts).sort(([, a], [, b]) => b - a).map(([key, value]) => `${key} ${value}`).join(', ')
  const { roundTripMs: rt } = report.honest
  return [
    `seed ${report.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s, ${report.hostileFrames} hostile frames over ${report.connections} connections`,
    `sent by kind: ${byCount(report.sent)}`,
    `closes: ${byCount(report.closes)}`,
    `honest: ${report.honest.messages} messages; round trips p50 ${rt.p50.toFixed(0)} ms, p99 ${rt.p99.toFixed(0)} ms, max ${rt.max.toFixed(0)} ms (${rt.count})`,
    `checks: ${report.checks.filter(result => result.ok).length}/${report.checks.length} passed`,
    ...report.failures.map(failure => `FAILED ${failure}`)
  ].join('\n')
}
