// The relay: one HTTP server for the web app, /healthz and the y-websocket rooms.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode, MUX_PATH, parseRoom } from '../shared/protocol'
import { MuxConnection, RoomConnection, type Connection } from './connection'
import { watchStore, type StorageHealth } from './health'
import { consoleLogger, type Logger } from './log'
import { RoomRegistry } from './rooms'
import type { RoomStore } from './storage/store'

export interface RelayOptions {
  store: RoomStore
  /** 0 picks a free port (tests). */
  port?: number
  host?: string
  /** The built web app to serve; null serves none. */
  staticDir?: string | null
  /** Largest WebSocket frame accepted; bigger ones close that socket with 1009. */
  maxFrameBytes?: number
  idleUnloadMs?: number
  log?: Logger
}

export interface Relay {
  /** http://host:port */
  readonly url: string
  /** ws://host:port, what clients connect to */
  readonly wsUrl: string
  readonly port: number
  readonly registry: RoomRegistry
  readonly health: StorageHealth
  connectionCount(): number
  /** Stops accepting, closes every socket, writes every room out, closes the store. */
  close(): Promise<void>
}

export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024

const refuseUpgrade = (socket: Duplex, status: number, reason: string): void => {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`)
}

/** What a WebSocket URL asks for: the mux endpoint, a room (its path, percent-decoded), or nothing known. */
const targetOfRequest = (request: IncomingMessage): { mux: true } | { room: string } | null => {
  try {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://relay').pathname.slice(1))
    if (name === MUX_PATH) return { mux: true }
    return parseRoom(name) ? { room: name } : null
  } catch {
    return null
  }
}

export const startRelay = async (options: RelayOptions): Promise<Relay> => {
  const log = options.log ?? consoleLogger
  const health: StorageHealth = { ok: true, failures: 0, lastError: null }
  const store = watchStore(options.store, health)
  const connections = new Set<Connection>()
  const registry = new RoomRegistry({
    store,
    log,
    idleUnloadMs: options.idleUnloadMs ?? 5000,
    onStorageFailure: room => {
      for (const connection of connections) {
        if ([...connection.rooms()].includes(room.name)) connection.close(CloseCode.storageFailure, 'storage failure, retry later')
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

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/healthz') {
      response.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      response.end(JSON.stringify({
        status: health.ok ? 'ok' : 'storage-failing',
        rooms: registry.size,
        connections: connections.size,
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

  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES })
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const target = targetOfRequest(request)
    if (target === null) {
      refuseUpgrade(socket, 404, 'unknown room')
      return
    }
    sockets.handleUpgrade(request, socket, head, (websocket: WebSocket) => {
      const address = request.socket.remoteAddress ?? 'unknown'
      const context = { registry, log, connections }
      if ('mux' in target) new MuxConnection(websocket, address, context)
      else new RoomConnection(websocket, target.room, address, context)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 1234, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  let closing: Promise<void> | null = null
  return {
    url: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}`,
    port: address.port,
    registry,
    health,
    connectionCount: () => connections.size,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>(resolve => server.close(() => resolve()))
        for (const connection of connections) connection.close(CloseCode.goingAway, 'relay shutting down')
        server.closeAllConnections()
        await registry.close()
        await options.store.close()
        for (const connection of connections) connection.terminate()
        sockets.close()
        await stopped
      })()
      return closing
    }
  }
}
