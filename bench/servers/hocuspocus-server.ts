// HP: @hocuspocus/server with its defaults (no extensions, no persistence), as a standalone server.
import { Server } from '@hocuspocus/server'
import { announcePort } from './announce'

// NOTE: stopOnSignals off, so SIGTERM ends the process at once, as it does the other servers.
const server = new Server({ port: Number(process.env.PORT ?? 0), address: '127.0.0.1', quiet: true, stopOnSignals: false })
await server.listen()
announcePort(server.address.port)
