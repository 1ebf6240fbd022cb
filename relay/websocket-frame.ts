// Server-to-client WebSocket frames built once per message, for a broadcast writes the same message to every socket.

/** Messages up to this size go out as frames built here; larger ones through ws (which does not copy them). */
export const MAX_PREFRAMED_BYTES = 16 * 1024

/** The header's size of an unmasked frame holding `length` bytes, as ws writes it too. */
export const frameHeaderBytes = (length: number): number => length < 126 ? 2 : length < 0x10000 ? 4 : 10

/** One unfragmented binary frame holding `payload`, unmasked as a server's are (RFC 6455, section 5.2). */
export const binaryFrame = (payload: Uint8Array): Buffer => {
  const length = payload.byteLength
  const headerBytes = frameHeaderBytes(length)
  const frame = Buffer.allocUnsafe(headerBytes + length)
  frame[0] = 0x82 // FIN, binary
  if (length < 126) {
    frame[1] = length
  } else if (length < 0x10000) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  frame.set(payload, headerBytes)
  return frame
}

/**
 * The frame of the message framed last. NOTE: ws frames every send anew; a room's broadcast
 * hands the very same message to each of its peers in turn, so it is framed once and the same
 * bytes written to every socket: one write call per socket instead of a corked pair, ~1 µs of
 * the relay's ~9 µs per delivery at 1,000 members. Messages are never changed once made.
 */
let lastFramed: { payload: Uint8Array; frame: Buffer } | null = null

export const framedOnce = (payload: Uint8Array): Buffer => {
  if (lastFramed?.payload !== payload) lastFramed = { payload, frame: binaryFrame(payload) }
  return lastFramed.frame
}
