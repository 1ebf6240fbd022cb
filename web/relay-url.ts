// Where the relay is: `?relay=ws(s)://…` when given, otherwise the host that served the page.

/**
 * The relay's WebSocket URL for a page at `pageUrl`. Throws a RangeError when `?relay=`
 * is not a ws:// or wss:// URL, so a mistyped address is reported rather than ignored.
 */
export const relayUrl = (pageUrl: string): string => {
  const page = new URL(pageUrl)
  const given = page.searchParams.get('relay')
  if (given !== null) {
    const url = URL.canParse(given) ? new URL(given) : null
    if (url === null || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
      throw new RangeError(`the relay address must start with ws:// or wss://, not "${given}"`)
    }
    return url.href
  }
  // NOTE: the relay reads the room from the URL path, so it must sit at the root.
  const url = new URL('/', page)
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}
