// Protocol v1's directory as its relay sent it to a new device: one sync step 2 on the mux socket, from a loopback WebSocket server.
import type { AddressInfo } from 'node:net'
import * as encoding from 'lib0/encoding'
import { WebSocketServer } from 'ws'
import { MUX_FRAME_CODES, MessageType, SyncStep, V1_DIRECTORY_ROOM } from '../../shared/protocol'

export interface V1DirectoryServer {
  /** ws://127.0.0.1:port */
  readonly url: string
  close(): Promise<void>
}

/**
 * The frame v1's relay sent a device whose sync step 1 carried an empty state vector: a mux
 * message for the directory room holding sync step 2, the whole directory as one update.
 */
export const v1DirectoryFrame = (update: Uint8Array): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, MUX_FRAME_CODES.message)
  encoding.writeVarString(encoder, V1_DIRECTORY_ROOM)
  encoding.writeVarUint(encoder, MessageType.sync)
  encoding.writeVarUint(encoder, SyncStep.step2)
  encoding.writeVarUint8Array(encoder, update)
})

/**
 * Sends `update`'s frame to every socket as it connects. NOTE: no authentication and no sync
 * step 1 to wait for: the answer v1's relay gave, without its work (it kept the encoded
 * directory cached per state vector), so the figure is the device's alone.
 */
export const startV1DirectoryServer = async (update: Uint8Array): Promise<V1DirectoryServer> => {
  const frame = v1DirectoryFrame(update)
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: frame.length + 1024 })
  server.on('connection', socket => socket.send(frame))
  await new Promise<void>(resolve => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise(resolve => {
      for (const client of server.clients) client.terminate()
      server.close(() => resolve())
    })
  }
}
