// The protocol's version, carried in the WebSocket subprotocol a client asks for (parley.v<version>).

/**
 * Bump on any change a client and relay of different builds could not both understand (a
 * message, a frame, a reason). NOTE: there is no negotiation: a relay serves its own version
 * only, and refuses any other with 4426 (see close-codes.ts), saying which side is newer.
 */
export const PROTOCOL_VERSION = 2

const PROTOCOL_PREFIX = 'parley.v'

/** The subprotocol of one version ('parley.v2'). */
export const protocolName = (version: number): string => `${PROTOCOL_PREFIX}${version}`

/** The subprotocol this build asks for and answers with. */
export const PARLEY_PROTOCOL = protocolName(PROTOCOL_VERSION)

/** The version a subprotocol names, or null for anything else (only 'parley.v' and a positive integer). */
export const versionOfProtocol = (protocol: string): number | null => {
  if (!protocol.startsWith(PROTOCOL_PREFIX)) return null
  const digits = protocol.slice(PROTOCOL_PREFIX.length)
  return /^[1-9]\d{0,5}$/.test(digits) ? Number(digits) : null
}

/** The first Parley subprotocol among those offered, with its version; null when none is. */
export const parleyProtocolOf = (offered: Iterable<string>): { protocol: string; version: number } | null => {
  for (const protocol of offered) {
    const version = versionOfProtocol(protocol)
    if (version !== null) return { protocol, version }
  }
  return null
}

/** How a relay of `relayVersion` answers a client of `clientVersion`: null when they speak the same. */
export const versionRefusal = (clientVersion: number, relayVersion = PROTOCOL_VERSION): 'relay-newer' | 'relay-older' | null =>
  clientVersion === relayVersion ? null : clientVersion < relayVersion ? 'relay-newer' : 'relay-older'
