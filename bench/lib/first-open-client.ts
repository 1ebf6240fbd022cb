// A new device opening Parley until its sidebar's data is complete (v2), and a v1 device downloading and applying the directory; in Node or in a browser page (no Node imports).
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { muxNetwork } from '../../client/network/mux-network'
import { ParleyClient } from '../../client/parley'
import type { Storage } from '../../client/transport'
import type { Identity } from '../../shared/identity'
import { directoryGroupsOfV1, directoryUsersOfV1 } from '../../shared/schema'

/** Bytes received on a socket: WebSocket payloads and the headers of the frames that carried them. */
export interface ReceivedBytes {
  bytes: number
  frames: number
  /** Bytes per kind of room the mux frames were for ('profile', 'group', 'user', 'dm', or '' for none). */
  byRoomKind: Record<string, number>
}

/** A server-to-client WebSocket frame's header: 2 bytes and the extended length (RFC 6455; no mask). */
const serverFrameHeader = (payload: number): number => 2 + (payload < 126 ? 0 : payload < 65_536 ? 2 : 8)

/** The first part of the room a mux frame is for (shared/protocol/mux-frames.ts: varUint kind, varString room). */
const roomKindOf = (bytes: Uint8Array): string => {
  try {
    const decoder = decoding.createDecoder(bytes)
    decoding.readVarUint(decoder)
    return decoding.readVarString(decoder).split('/')[0]!
  } catch {
    return '?'
  }
}

type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocket

/** `Base` (the browser's WebSocket, or `ws` in Node), counting into `into` every message it receives. */
export const receivingCounter = (Base: WebSocketClass, into: ReceivedBytes): WebSocketClass =>
  class CountingWebSocket extends Base {
    constructor (url: string, protocols?: string | string[]) {
      super(url, protocols)
      // NOTE: a listener of its own, added before the client's onmessage, so each frame is counted before the client acts on it.
      this.addEventListener('message', (event: MessageEvent) => {
        const data = event.data as ArrayBuffer | string
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data)
        const size = bytes.byteLength + serverFrameHeader(bytes.byteLength)
        into.bytes += size
        into.frames += 1
        const kind = roomKindOf(bytes)
        into.byRoomKind[kind] = (into.byRoomKind[kind] ?? 0) + size
      })
    }
  }

export const emptyCount = (): ReceivedBytes => ({ bytes: 0, frames: 0, byRoomKind: {} })

/** What a complete sidebar holds: people known (oneself included), groups, and conversations each showing its last message. */
export interface SidebarExpected {
  users: number
  groups: number
  conversations: number
}

export interface SidebarOpening {
  /** From the client's open (its databases, its socket) until the sidebar's data is complete. */
  ms: number
  /** Milestones on the way, ms from the same start: the client open (its own databases), its own rooms in sync, and each list complete. */
  opened: number
  ownSynced: number
  groupsAt: number
  usersAt: number
  conversationsAt: number
  /** Everything received on its socket until then. */
  received: ReceivedBytes
  users: number
  groups: number
  conversations: number
}

/** When each part of the sidebar was first complete (ms from the start), NaN until then. */
interface Milestones { groupsAt: number; usersAt: number; conversationsAt: number }

const noteProgress = (client: ParleyClient, expected: SidebarExpected, at: number, into: Milestones): boolean => {
  if (Number.isNaN(into.groupsAt) && client.groups().length >= expected.groups) into.groupsAt = at
  if (Number.isNaN(into.usersAt) && client.users().length >= expected.users) into.usersAt = at
  if (Number.isNaN(into.conversationsAt)) {
    const conversations = client.conversations()
    if (conversations.length >= expected.conversations && conversations.every(summary => summary.last !== null)) into.conversationsAt = at
  }
  return !Number.isNaN(into.groupsAt) && !Number.isNaN(into.usersAt) && !Number.isNaN(into.conversationsAt)
}

export interface SidebarOptions {
  /** The relay's ws:// address. */
  url: string
  identity: Identity
  storage: Storage
  WebSocket: WebSocketClass
  expected: SidebarExpected
  timeoutMs: number
}

/**
 * Opens Parley as `identity` on a device that holds nothing yet, and waits until its sidebar's
 * data is complete: `users()`, `groups()` and `conversations()` (each with its last message,
 * verified) as `expected`. Resolves with the time and the bytes received, and the client, still
 * open (its caller measures its memory, then closes it). Rejects after `timeoutMs`.
 */
export const openSidebar = async (options: SidebarOptions): Promise<{ opening: SidebarOpening; client: ParleyClient }> => {
  const received = emptyCount()
  const start = performance.now()
  const client = await ParleyClient.open({
    identity: options.identity,
    network: muxNetwork({ url: options.url, identity: options.identity, WebSocket: receivingCounter(options.WebSocket, received) }),
    storage: options.storage,
    syncWaitMs: options.timeoutMs
  })
  const opened = performance.now() - start
  const milestones: Milestones = { groupsAt: Number.NaN, usersAt: Number.NaN, conversationsAt: Number.NaN }
  let ownSynced = Number.NaN
  void client.whenSynced(options.timeoutMs).then(synced => { if (synced) ownSynced = performance.now() - start })
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearInterval(poll)
        clearTimeout(timer)
        unsubscribe()
        if (error) reject(error)
        else resolve(performance.now() - start)
      }
      const check = () => { if (noteProgress(client, options.expected, performance.now() - start, milestones)) finish() }
      const unsubscribe = client.subscribe(check)
      // NOTE: a poll as well: a verified activity entry is not an event of its own on every path.
      const poll = setInterval(check, 5)
      const timer = setTimeout(() => finish(new Error(
        `the sidebar was not complete after ${options.timeoutMs} ms: ${client.users().length} people, ${client.groups().length} groups, ` +
        `${client.conversations().filter(summary => summary.last !== null).length} conversations with a last message (status ${client.status})`
      )), options.timeoutMs)
      check()
    })
    const opening: SidebarOpening = {
      ms,
      opened,
      ownSynced,
      ...milestones,
      received: { ...received, byRoomKind: { ...received.byRoomKind } },
      users: client.users().length,
      groups: client.groups().length,
      conversations: client.conversations().length
    }
    return { opening, client }
  } catch (error) {
    await client.close()
    throw error
  }
}

export interface DirectoryDownload {
  /** From opening the socket until the directory is applied. */
  ms: number
  /** Of which applying it (Y.applyUpdate). */
  applyMs: number
  received: ReceivedBytes
  users: number
  groups: number
}

/**
 * Protocol v1's first open, its directory part: a socket to a server that sends the directory as
 * v1's relay did (one sync step 2 on the mux socket, bench/lib/v1-directory-server.ts), applied
 * to a Y.Doc. Resolves with the time, the bytes, and the document (kept by the caller while its
 * memory is measured).
 */
export const downloadV1Directory = (url: string, Base: WebSocketClass, timeoutMs: number): Promise<{ download: DirectoryDownload; doc: Y.Doc }> =>
  new Promise((resolve, reject) => {
    const received = emptyCount()
    const start = performance.now()
    const socket = new (receivingCounter(Base, received))(url)
    socket.binaryType = 'arraybuffer'
    const timer = setTimeout(() => {
      socket.close()
      reject(new Error(`the directory did not arrive within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.onmessage = (event: MessageEvent) => {
      clearTimeout(timer)
      const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer))
      decoding.readVarUint(decoder) // mux frame: message
      decoding.readVarString(decoder) // its room: 'directory'
      decoding.readVarUint(decoder) // y-protocols: sync
      decoding.readVarUint(decoder) // sync step 2
      const update = decoding.readVarUint8Array(decoder)
      const doc = new Y.Doc()
      const applyStart = performance.now()
      Y.applyUpdate(doc, update)
      const end = performance.now()
      socket.close()
      resolve({
        download: { ms: end - start, applyMs: end - applyStart, received, users: directoryUsersOfV1(doc).size, groups: directoryGroupsOfV1(doc).size },
        doc
      })
    }
    socket.onerror = () => {
      clearTimeout(timer)
      reject(new Error(`could not reach ${url}`))
    }
  })
