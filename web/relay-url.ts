// Where the relay is: the address saved in settings, else the one set at build time
// (VITE_PARLEY_RELAY), else the host that served the page; a link's `?relay=` only once the person agrees.

export type RelaySource = 'saved' | 'build' | 'page'

export interface RelayChoice {
  /** The relay's WebSocket base URL (ws:// or wss://). */
  url: string
  source: RelaySource
}

const SAVED_KEY = 'parley.relay'

/**
 * A relay address as a WebSocket URL. http(s):// is taken for ws(s)://, since people copy the
 * address from the browser's bar. Throws a RangeError for anything else, so a mistyped address
 * is reported rather than ignored.
 */
export const normalizeRelay = (given: string): string => {
  const url = URL.canParse(given.trim()) ? new URL(given.trim()) : null
  if (url?.protocol === 'http:') url.protocol = 'ws:'
  if (url?.protocol === 'https:') url.protocol = 'wss:'
  if (url === null || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
    throw new RangeError(`the relay address must start with ws://, wss://, http:// or https://, not "${given}"`)
  }
  return url.href
}

/** The relay the app was built for: `VITE_PARLEY_RELAY=wss://… npm run build`. */
export const builtRelay = (): string | null => import.meta.env.VITE_PARLEY_RELAY || null

/** The relay the app uses on a page at `pageUrl`, given the address saved in settings and the one built in (if any). */
export const currentRelay = (pageUrl: string, saved: string | null, built: string | null = builtRelay()): RelayChoice => {
  const page = new URL(pageUrl)
  if (saved !== null) {
    try {
      return { url: normalizeRelay(saved), source: 'saved' }
    } catch {
      // A saved address that no longer parses is ignored; settings show and replace it.
    }
  }
  if (built !== null) return { url: normalizeRelay(built), source: 'build' }
  // NOTE: the relay reads the room from the URL path, so it must sit at the root.
  const url = new URL('/', page)
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:'
  return { url: url.href, source: 'page' }
}

/** A link's `?relay=` naming another relay than the current one: an address, or why it is none. */
export type RelayLink = { url: string } | { given: string; problem: string }

/**
 * What the page's `?relay=` asks for when it names another relay than `current`, else null.
 * NOTE: never followed without asking: a link that moved the app to another relay at once
 * handed that relay the person's messages and their fresh connection tokens.
 */
export const relayLink = (pageUrl: string, current: RelayChoice): RelayLink | null => {
  const given = new URL(pageUrl).searchParams.get('relay')
  if (given === null) return null
  try {
    const url = normalizeRelay(given)
    return url === current.url ? null : { url }
  } catch (error) {
    return { given, problem: (error as Error).message }
  }
}

/** The page's address without `?relay=`, once the person has answered it. */
export const withoutRelayLink = (pageUrl: string): string => {
  const url = new URL(pageUrl)
  url.searchParams.delete('relay')
  return url.href
}

/** A relay's address as a person reads it: ws://host:port, without the root's slash. */
export const relayLabel = (url: string): string => url.replace(/\/$/, '')

/** Just the relay's host (and port), for the header. */
export const relayHost = (url: string): string => new URL(url).host

/** The relay address saved in settings, or null. Storage may be unavailable (private modes). */
export const savedRelay = (): string | null => {
  try {
    return localStorage.getItem(SAVED_KEY)
  } catch {
    return null
  }
}

/** Saves the relay address used from the next load on; null forgets it. */
export const saveRelay = (url: string | null): void => {
  if (url === null) localStorage.removeItem(SAVED_KEY)
  else localStorage.setItem(SAVED_KEY, normalizeRelay(url))
}
