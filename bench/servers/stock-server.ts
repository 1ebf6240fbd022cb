// STOCK: @y/websocket-server 0.1.1 as its own server.js runs it (http + ws + setupWSConnection), without persistence.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'
import { announcePort } from './announce'

const server = createServer((_request, response) => { response.writeHead(200, { 'content-type': 'text/plain' }).end('okay') })
const sockets = new WebSocketServer({ noServer: true })
sockets.on('connection', setupWSConnection)
server.on('upgrade', (request, socket, head) => {
  sockets.handleUpgrade(request, socket, head, websocket => sockets.emit('connection', websocket, request))
})

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announcePort((server.address() as AddressInfo).port))

// Exit (rather than die) on SIGTERM, so that profiles asked for with --cpu-prof (ServerOptions.nodeArgs) get written.
process.on('SIGTERM', () => process.exit(0))
