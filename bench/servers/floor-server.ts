// FLOOR: a plain `ws` broadcast relay with no Yjs, the transport limit. Each frame goes to every other socket of the same path.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { announcePort } from './announce'

const rooms = new Map<string, Set<WebSocket>>()
const server = createServer((_request, response) => { response.writeHead(404).end() })
const sockets = new WebSocketServer({ server, perMessageDeflate: false })

sockets.on('connection', (socket, request) => {
  const path = (request.url ?? '/').split('?')[0]!
  let peers = rooms.get(path)
  if (!peers) rooms.set(path, peers = new Set())
  peers.add(socket)
  socket.on('error', () => socket.terminate())
  socket.on('message', (data, isBinary) => {
    for (const peer of peers) if (peer !== socket && peer.readyState === peer.OPEN) peer.send(data, { binary: isBinary })
  })
  socket.on('close', () => {
    peers.delete(socket)
    if (peers.size === 0) rooms.delete(path)
  })
})

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announcePort((server.address() as AddressInfo).port))

// Exit (rather than die) on SIGTERM, so that profiles asked for with --cpu-prof (ServerOptions.nodeArgs) get written.
process.on('SIGTERM', () => process.exit(0))
