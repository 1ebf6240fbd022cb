// Test fixtures: a real relay on an ephemeral port, real clients over ws and fake-indexeddb, and waiting.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { createIdentity, type Identity } from '../shared/identity'
import { connectProtocols, createConnectToken } from '../shared/connect-token'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType, formatRefusal, readRefusal, decodeMuxFrame, encodeMessage, encodeMuxFrame } from '../shared/protocol'
import { bucketMessages } from '../shared/schema'
import { randomId } from '../shared/ids'
import { ParleyClient } from '../client/parley'
import type { Conversation } from '../client/conversation/conversation'
import type { Message, User } from '../shared/model'
import { indexeddbStorage } from '../client/storage/indexeddb-storage'
import { websocketNetwork } from '../client/network/websocket-network'
import { muxNetwork } from '../client/network/mux-network'
import { memoryLogger } from '../relay/log'
import { startRelay, type Relay, type RelayOptions } from '../relay/server'
import { LeveldbStore } from '../relay/storage/leveldb-store'
import { MemoryStore } from '../relay/storage/memory-store'

/** A socket per room (the upstream WebsocketProvider) or every room on one socket (mux). */
export type Transport = 'websocket' | 'mux'

export const TRANSPORTS: Transport[] = ['websocket', 'mux']

/** Everything a test started, torn down in reverse order by `cleanup()`. */
export class Fixture {
  private readonly teardown: Array<() => Promise<void> | void> = []

  /** How clients reach the relay unless told otherwise: a socket per room, or all rooms on one. */
  constructor (readonly transport: Transport = 'websocket') {}

  defer (step: () => Promise<void> | void): void { this.teardown.push(step) }

  async cleanup (): Promise<void> {
    const steps = this.teardown.splice(0).reverse()
    for (const step of steps) await step()
  }

  async tempDir (): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'parley-test-'))
    this.defer(() => rm(directory, { recursive: true, force: true }))
    return directory
  }

  /** A relay on a free port (or `port`), storing in memory or in LevelDB at `dataDir`. */
  async relay (options: Partial<RelayOptions> & { dataDir?: string } = {}): Promise<Relay & { log: string[] }> {
    const log = memoryLogger()
    const store = options.store ?? (options.dataDir ? await LeveldbStore.open(options.dataDir) : new MemoryStore())
    const relay = await startRelay({ port: 0, staticDir: null, idleUnloadMs: 200, log, ...options, store })
    this.defer(() => relay.close())
    return Object.assign(relay, { log: log.lines })
  }

  /** A signed-in client of `relay`, with its own IndexedDB namespace, named `name`. */
  async client (relay: { wsUrl: string }, name: string, options: { identity?: Identity; storagePrefix?: string; transport?: Transport; localAddress?: string } = {}): Promise<ParleyClient> {
    const identity = options.identity ?? await createIdentity()
    const socketClass = options.localAddress ? webSocketFrom(options.localAddress) : WebSocket
    const client = await ParleyClient.open({
      identity,
      network: (options.transport ?? this.transport) === 'mux'
        ? muxNetwork({ url: relay.wsUrl, identity, WebSocket: socketClass, maxBackoffMs: 300 })
        : websocketNetwork({ url: relay.wsUrl, identity, WebSocket: socketClass, broadcastChannel: false, maxBackoffMs: 300 }),
      storage: indexeddbStorage({ prefix: options.storagePrefix ?? `parley-test/${identity.user_id}/${Math.random()}/` }),
      syncWaitMs: 3000
    })
    this.defer(() => client.close())
    client.setProfile({ name })
    return client
  }
}

/**
 * ws's WebSocket, connecting from `localAddress` (any 127.x.y.z is this machine on Linux): a
 * client the relay sees as coming from another address than the test's other sockets.
 */
export const webSocketFrom = (localAddress: string) => class extends WebSocket {
  constructor (url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { localAddress })
  }
}

/**
 * A group of Ada (admin), Bob and Eve on `relay`, with one message from Ada that Bob has: Ada's
 * and Bob's clients, Eve's identity only (her client is closed: tests forge in her name by hand).
 */
export const groupWithMessage = async (fixture: Fixture, relay: { wsUrl: string }) => {
  const [eve, adaIdentity] = await Promise.all([createIdentity(), createIdentity()])
  const ada = await fixture.client(relay, 'Ada', { identity: adaIdentity })
  const bob = await fixture.client(relay, 'Bob')
  const eveClient = await fixture.client(relay, 'Eve', { identity: eve })
  // Her profile, which carries the key her messages are checked with, is on the relay before she leaves.
  await lookUp(ada, eveClient)
  await eveClient.close()
  const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id, eve.user_id] })
  const adaSide = await ada.openGroup(group.group_id)
  const [original] = await sendConfirmed(adaSide, ['the plan'])
  // Bob learns of the group once the relay lists it in his own room.
  await waitFor('Bob is told of the group', () => bob.group(group.group_id) !== null)
  const bobSide = await bob.openGroup(group.group_id)
  await waitFor('Bob has the plan', async () => (await contents(bobSide)).includes('the plan'))
  return { ada, adaIdentity, bob, eve, group, adaSide, bobSide, original: original! }
}

/**
 * `client` looks `other` up by id, as a person given that id does, once `other` has synced with
 * the relay (the profile a client sets on opening reaches the relay as it connects); returns the
 * profile found, now held by `client` with `other`'s online state.
 */
export const lookUp = async (client: ParleyClient, other: ParleyClient): Promise<User> => {
  await other.whenSynced()
  return await waitFor(`${client.profile()?.name ?? 'a client'} to find ${other.profile()?.name ?? 'someone'}`, () => client.lookUp(other.me.user_id))
}

/** Polls until `check` returns a truthy value (returned) or fails with `what` after the timeout. */
export const waitFor = async <T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<Awaited<T>>> => {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown = null
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<Awaited<T>>
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`)
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** The contents of a conversation's newest `limit` messages, oldest first. */
export const contents = async (conversation: { history(options: { limit: number }): Promise<{ messages: Array<{ content: string }> }> }, limit = 100): Promise<string[]> =>
  (await conversation.history({ limit })).messages.map(message => message.content).reverse()

/** Sends each text in turn and waits until the relay has confirmed (written) every one. */
export const sendConfirmed = async (conversation: Conversation, texts: string[]): Promise<Message[]> => {
  const sent: Message[] = []
  for (const text of texts) sent.push(await conversation.send(text))
  await waitFor(`the relay to confirm ${texts.length} messages`, () => sent.every(message => !conversation.isPending(message.message_id)))
  return sent
}

/**
 * A raw ws socket to `path` (mux or a room) carrying a valid token for `identity` (a fresh
 * one unless given): what a hand-made client, honest or not, connects with.
 */
export const authenticatedSocket = async (wsUrl: string, path: string, identity?: Identity): Promise<WebSocket> => {
  const url = `${wsUrl}/${path}`
  const token = await createConnectToken(identity ?? await createIdentity(), url)
  return new WebSocket(url, connectProtocols(token))
}

/** How many messages a raw upstream provider sees in a bucket room at the moment of its first sync. */
export const countAtFirstSync = async (wsUrl: string, room: string, identity: Identity, timeoutMs = 10_000): Promise<number> => {
  const token = await createConnectToken(identity, `${wsUrl}/${room}`)
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, room, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, protocols: connectProtocols(token) })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      provider.destroy()
      reject(new Error(`no first sync of ${room} within ${timeoutMs} ms`))
    }, timeoutMs)
    provider.once('sync', () => {
      clearTimeout(timer)
      const count = bucketMessages(doc).size
      provider.destroy()
      resolve(count)
    })
  })
}

/** A message frame the relay sent on a mux socket, as its room and payload; throws on any other frame. */
export const readMuxMessage = (data: Buffer | Uint8Array): { room: string; payload: Uint8Array } => {
  const frame = decodeMuxFrame(new Uint8Array(data))
  if (typeof frame === 'string' || frame.kind !== 'message') throw new Error(`not a message frame: ${typeof frame === 'string' ? frame : frame.kind}`)
  return frame
}

/**
 * A frame the relay sent on a mux socket, read as its room and, when it is y-protocols'
 * permission-denied message, the refusal in its wire text ('rejected-update:not-yours'; null
 * for any other message of the room).
 */
export const readMuxRefusal = (data: Buffer): { room: string; refusal: string | null } => {
  const { room, payload } = readMuxMessage(data)
  const decoder = decoding.createDecoder(payload)
  const refusal = decoding.readVarUint(decoder) === MessageType.auth ? readRefusal(decoder) : null
  return { room, refusal: refusal && formatRefusal(refusal) }
}

/** A sync update message carrying `update`, in `room`'s mux frame. */
export const updateFrame = (room: string, update: Uint8Array): Uint8Array => encodeMuxFrame({ kind: 'message', room, payload: encodeMessage(MessageType.sync, encoder => { encoding.writeVarUint(encoder, 2); encoding.writeVarUint8Array(encoder, update) }) })

/**
 * `marks` read marks of a Yjs client of its own, each counting 1,000 senders: valid in one's own
 * room, ~25 KB a mark, and dense work for the relay (~100 ns a byte: many small values to read,
 * judge and integrate), the costliest honest shape per byte found.
 */
export const readMarksUpdate = (marks: number): Uint8Array => {
  const doc = new Y.Doc()
  const counts = Object.fromEntries(Array.from({ length: 1000 }, (_, count) => [randomId(), count]))
  doc.transact(() => { for (let i = 0; i < marks; i++) doc.getMap('reads').set(`group/${randomId()}`, { counts }) })
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}
