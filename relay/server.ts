// The relay: one HTTP server for the web app, /healthz and the y-websocket rooms.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  MUX_PATH, PROTOCOL_VERSION, closeCodeOf, conversationOfRoom, parleyProtocolOf, parseRoom, versionRefusal, type PeopleMode
} from '../shared/protocol'
import { RoomConnection, type Connection } from './connection'
import { MuxConnection } from './mux-connection'
import { healthStatus, newStorageHealth, noteSkipped, noteStorageFailure, watchStore, type StorageHealth } from './health'
import { consoleLogger, type Logger } from './log'
import { RoomRegistry } from './rooms'
import { prepareCompaction } from './storage/compaction'
import type { RoomStore } from './storage/store'
import { AccessGate } from './access/access-gate'
import { Authenticator, offeredProtocols, type AccessMode } from './auth/authenticate'
import { ConnectionCounts } from './limits/connection-counts'
import { CpuBudgets } from './limits/cpu-budgets'
import { DirectAnnouncer } from './writes/direct-announcer'
import { GroupAnnouncer } from './writes/group-announcer'
import { GroupRecords } from './access/group-records'
import { convertFromV1 } from './conversions/from-v1'
import { watchProfile } from './people/profile-watch'
import { DEFAULT_LIMITS, type RelayLimits } from './limits/limits'
import { parsePublicUrl, relayHosts, requirePublicUrl } from './auth/relay-address'
import { SocketAdmission } from './limits/socket-admission'
import { UsageLedger } from './writes/usage-ledger'
import { PeopleDirectory } from './people/people-directory'
import { SearchAllowance } from './limits/search-allowance'

export interface RelayOptions {
  store: RoomStore
  /** 0 picks a free port (tests). */
  port?: number
  /** The address to bind (default 127.0.0.1); one other than loopback needs `publicUrls`. */
  host?: string
  /**
   * The addresses people reach the relay by (https://chat.example.org): the hosts connect tokens
   * must name. None: the loopback names of the port it listens on, on a loopback address only.
   */
  publicUrls?: readonly string[]
  /** The built web app to serve; null serves none. */
  staticDir?: string | null
  /** Caps on what one connection, address or user may cost; unset ones take DEFAULT_LIMITS. */
  limits?: Partial<RelayLimits>
  idleUnloadMs?: number
  /** How long a room's document stays in memory after its last write or sync (default 10 s). */
  docRestMs?: number
  /** Who may connect: anyone with a key pair (default), or admitted users and invitation holders. */
  access?: AccessMode
  log?: Logger
  /** The protocol version this relay speaks (shared/protocol/version.ts); tests set another to play an older or newer relay. */
  protocolVersion?: number
  /** Whom searches find: everyone (default; also listed page by page), by name only, or nobody. */
  people?: PeopleMode
}

export interface Relay {
  /** http://host:port */
  readonly url: string
  /** ws://host:port, what clients connect to */
  readonly wsUrl: string
  readonly port: number
  /** The hosts a connect token may name to be accepted here (host[:port], lower case). */
  readonly hosts: readonly string[]
  readonly registry: RoomRegistry
  readonly health: StorageHealth
  /** The people searches find; the relay notes each accepted profile with `people.noteProfile`. */
  readonly people: PeopleDirectory
  connectionCount(): number
  /** Bytes queued for clients that the kernel has not taken yet, over every connection. */
  unsentBytes(): number
  /** Stops accepting, closes every socket, writes every room out, closes the store. */
  close(): Promise<void>
}

const refuseUpgrade = (socket: Duplex, status: number, reason: string): void => {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`)
}

/** What a WebSocket URL asks for: the mux endpoint, a room (its path, percent-decoded), or nothing known. */
const targetOfRequest = (request: IncomingMessage): { mux: true; path: string } | { room: string; path: string } | null => {
  try {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://relay').pathname.slice(1))
    if (name === MUX_PATH) return { mux: true, path: name }
    return parseRoom(name) ? { room: name, path: name } : null
  } catch {
    return null
  }
}

export const startRelay = async (options: RelayOptions): Promise<Relay> => {
  const log = options.log ?? consoleLogger
  const bindHost = options.host ?? '127.0.0.1'
  const publicUrls = (options.publicUrls ?? []).map(parsePublicUrl)
  requirePublicUrl(bindHost, publicUrls)
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const protocolVersion = options.protocolVersion ?? PROTOCOL_VERSION
  const health = newStorageHealth()
  for (const what of options.store.skippedOnOpen?.() ?? []) {
    log.error('storage-skipped', { what })
    noteSkipped(health, null, what)
  }
  const store = watchStore(options.store, health)
  const usage = await UsageLedger.open(store)
  const people = await PeopleDirectory.open(store, { mode: options.people ?? 'everyone' })
  const searches = new SearchAllowance(limits.searchesPerMinute, limits.searchBurst)
  const connections = new Set<Connection>()
  const roomsPerUser = new Map<string, number>()
  // Connections per address are counted from the TCP accept (socket-admission.ts); per user, once the token is checked.
  const admission = new SocketAdmission(limits, log)
  const connectionsByUser = new ConnectionCounts(limits.connectionsPerUser)
  const cpu = new CpuBudgets(limits)
  prepareCompaction()
  const registry = new RoomRegistry({
    store,
    ledger: usage,
    log,
    idleUnloadMs: options.idleUnloadMs ?? 5000,
    docRestMs: options.docRestMs,
    onStorageFailure: room => {
      for (const connection of connections) {
        if ([...connection.rooms()].includes(room.name)) connection.close('storage-failure')
      }
    },
    onLoadFailure: (room, error) => {
      log.error('room-unreadable', { room: room.name, error: error.message })
      noteStorageFailure(health, error)
      noteSkipped(health, room.name, `not loaded: ${error.message}`)
    },
    onLoadSkipped: (room, what) => {
      if (noteSkipped(health, room.name, what)) log.error('room-incomplete', { room: room.name, what })
    },
    onDocument: room => {
      if (room.ref.kind === 'conversation' && room.ref.conversation.kind === 'group') groups.attach(room, room.ref.conversation.group_id)
      // Every accepted version of a profile reaches the people index.
      if (room.ref.kind === 'profile') watchProfile(room, room.ref.user_id, (user_id, value) => people.noteProfile(user_id, value))
    },
    onPeerUpdate: (room, peer) => announcer.noteWrite(room, peer),
    limits
  })
  const announcer = new DirectAnnouncer(registry)
  const groups = new GroupRecords(registry)
  const access = new AccessGate(groups)
  const groupAnnouncer = new GroupAnnouncer(registry, log)
  groups.onGroupChange(groupAnnouncer.noteChange)
  // Data of an earlier version is converted before anyone connects.
  await convertFromV1({ store, registry, announcer: groupAnnouncer, people, log })
  // A member removed from a group leaves its rooms at once, on every connection.
  groups.onGroupChange(({ group_id }) => {
    for (const connection of connections) {
      for (const membership of [...connection.memberships()]) {
        const conversation = conversationOfRoom(membership.roomName)
        if (conversation?.kind === 'group' && conversation.group_id === group_id) membership.recheck()
      }
    }
  })

  const serveStatic = options.staticDir && existsSync(options.staticDir)
    ? sirv(options.staticDir, {
      single: true,
      etag: true,
      gzip: true,
      // Hashed assets never change; the page itself must be revalidated to pick up a new build.
      setHeaders: (response, pathname) => {
        response.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
        // Public files: other sites may load the widget (parley-chat.js) straight from the relay.
        response.setHeader('access-control-allow-origin', '*')
      }
    })
    : null

  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // NOTE: Node looks for requests past those deadlines every 30 s by default, which would let a
    // slow request live up to 30 s longer than allowed.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)))
  }, (request: IncomingMessage, response: ServerResponse) => {
    // Refused when accepted, and answered then.
    if (admission.wasRefused(request.socket)) return
    admission.arrived(request.socket)
    if (request.url === '/healthz') {
      response.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      response.end(JSON.stringify({
        status: healthStatus(health),
        rooms: registry.size,
        documents: registry.documents,
        connections: connections.size,
        pendingConnections: admission.pending,
        storage: health
      }))
      return
    }
    if (serveStatic) {
      serveStatic(request, response, () => { response.writeHead(404).end('not found') })
      return
    }
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('This relay serves no web app: run `npm run build` first (or see the README).\n')
  })

  // NOTE: the names a loopback relay answers to carry the port it really listens on, known only
  // once it listens (port 0 picks one); no upgrade can arrive before, and none would be accepted.
  let hosts: ReadonlySet<string> = new Set()
  const authenticator = new Authenticator(options.access ?? { mode: 'open' }, claimed => hosts.has(claimed.toLowerCase()))
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    // The token is offered as a second subprotocol; the answer names only Parley's, of whatever
    // version the client speaks, so that a client of another version completes the handshake
    // and is told why it is refused.
    handleProtocols: protocols => parleyProtocolOf(protocols)?.protocol ?? false
  })
  // Every socket is counted from the moment it is accepted (limits/socket-admission.ts).
  server.on('connection', (socket: Socket) => admission.accept(socket))
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (admission.wasRefused(socket)) return
    admission.arrived(socket)
    socket.on('error', () => socket.destroy())
    const target = targetOfRequest(request)
    if (target === null) {
      refuseUpgrade(socket, 404, 'unknown room')
      return
    }
    const address = request.socket.remoteAddress ?? 'unknown'
    // NOTE: the version first: a client of another version may make its token differently.
    const offered = parleyProtocolOf(offeredProtocols(request))
    const mismatch = offered === null ? null : versionRefusal(offered.version, protocolVersion)
    if (mismatch !== null) {
      sockets.handleUpgrade(request, socket, head, (websocket: WebSocket) => {
        log.warn('connection-refused', { address, path: target.path, reason: mismatch, version: offered!.version })
        websocket.close(closeCodeOf(mismatch), mismatch)
      })
      return
    }
    authenticator.authenticate(request, target.path).then(authentication => {
      if (socket.destroyed) return
      // Counted once the user is known, before the handshake: refused like too many from one address.
      if (authentication.ok) {
        const { user_id } = authentication.user
        if (!connectionsByUser.add(user_id)) {
          log.warn('connection-refused', { address, user: user_id, reason: 'too-many-connections-for-user' })
          refuseUpgrade(socket, 429, 'too many connections for this user')
          return
        }
        socket.once('close', () => connectionsByUser.remove(user_id))
      }
      sockets.handleUpgrade(request, socket, head, (websocket: WebSocket) => {
        if (!authentication.ok) {
          // NOTE: refused after the handshake rather than with an HTTP status, because a browser
          // shows a page nothing of a refused upgrade, but does show a close code and reason.
          log.warn('connection-refused', { address, path: target.path, reason: authentication.reason, claimed: authentication.claimedHost })
          websocket.close(closeCodeOf(authentication.reason), authentication.reason)
          return
        }
        const context = { registry, access, limits, roomsPerUser, cpu, log, connections, people, searches }
        if ('mux' in target) new MuxConnection(websocket, socket, address, authentication.user, context)
        else new RoomConnection(websocket, socket, target.room, address, authentication.user, context)
      })
    }, (error: Error) => {
      log.error('authentication-failed', { address, error: error.message })
      refuseUpgrade(socket, 503, 'authentication unavailable')
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 1234, bindHost, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  try {
    hosts = relayHosts(publicUrls, address)
  } catch (error) {
    // A name such as localhost that resolved to an address other machines reach.
    await new Promise(resolve => server.close(resolve))
    throw error
  }

  // NOTE: one timer for every connection, often enough to act within a quarter of the shortest
  // limit, and at least every 5 s: what it costs grows with connections, not with traffic.
  const watchEveryMs = Math.min(5000, Math.max(25, Math.min(limits.sendTimeoutMs, limits.pingIntervalMs, limits.pingTimeoutMs) / 4))
  const watchdog = setInterval(() => {
    const now = performance.now()
    for (const connection of connections) connection.checkSocket(now)
    cpu.sweep(now)
  }, watchEveryMs)
  watchdog.unref()

  let closing: Promise<void> | null = null
  return {
    url: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}`,
    port: address.port,
    hosts: [...hosts],
    registry,
    health,
    people,
    connectionCount: () => connections.size,
    unsentBytes: () => {
      let bytes = 0
      for (const connection of connections) bytes += connection.unsentBytes()
      return bytes
    },
    close: () => {
      closing ??= (async () => {
        clearInterval(watchdog)
        const stopped = new Promise<void>(resolve => server.close(() => resolve()))
        admission.close()
        for (const connection of connections) connection.close('relay-shutting-down')
        server.closeAllConnections()
        await registry.close()
        await usage.close().catch(error => log.error('usage-write-failed', { error: (error as Error).message }))
        await people.close().catch(error => log.error('people-write-failed', { error: (error as Error).message }))
        await options.store.close()
        for (const connection of connections) connection.terminate()
        sockets.close()
        await stopped
      })()
      return closing
    }
  }
}
