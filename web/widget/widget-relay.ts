// Which relay the widget uses: its `relay` attribute, else the one set at build time, else the host that served the script.
import { normalizeRelay } from '../relay-url'

/** VITE_PARLEY_RELAY when the widget was built with one (empty otherwise). */
const BUILT_RELAY: string = import.meta.env.VITE_PARLEY_RELAY ?? ''

/**
 * The relay's WebSocket URL. Throws a RangeError with a readable message for an address that
 * is not ws(s):// or http(s)://. NOTE: the last resort is the script's own origin, so the
 * widget loaded from a relay (`https://chat.example.org/parley-chat.js`) talks to that relay.
 */
export const widgetRelay = (attribute: string | null | undefined, scriptUrl: string): string => {
  if (attribute) return normalizeRelay(attribute)
  if (BUILT_RELAY) return normalizeRelay(BUILT_RELAY)
  const script = new URL(scriptUrl)
  const url = new URL('/', script)
  url.protocol = script.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}
