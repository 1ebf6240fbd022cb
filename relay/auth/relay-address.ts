// Which addresses name this relay: a connect token's host claim must be one of them, never the request's Host header.
import { isIP } from 'node:net'

export type RelayAddressFailure = 'bad-public-url' | 'public-url-required'

/** A public address that cannot be used, or a relay that serves a network without one; the message says what to do. */
export class RelayAddressError extends Error {
  override name = 'RelayAddressError'

  constructor (readonly reason: RelayAddressFailure, message: string) {
    super(message)
  }
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'ws:': '80', 'https:': '443', 'wss:': '443' }

/**
 * A public address as the relay keeps it: its scheme and host, lower case, without a default
 * port (https://chat.example.org). Throws a RelayAddressError saying what is wrong with `given`.
 */
export const parsePublicUrl = (given: string): string => {
  const text = given.trim()
  const fail = (problem: string) => new RelayAddressError('bad-public-url', `"${given}" ${problem}`)
  if (!URL.canParse(text)) throw fail('is not a URL: give the address people open, e.g. https://chat.example.org')
  const url = new URL(text)
  if (!Object.hasOwn(DEFAULT_PORTS, url.protocol)) throw fail('must start with https://, http://, wss:// or ws://')
  if (url.username !== '' || url.password !== '') throw fail('must have no user name or password')
  // NOTE: the relay reads the room from the URL path, so it sits at the root of its host.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw fail('must have no path, query or fragment: the relay serves its rooms at the root of its host')
  }
  return url.origin
}

/** 127.0.0.0/8, ::1 (also as [::1] or IPv4-mapped) or localhost: only this machine can connect. */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (bare === 'localhost') return true
  if (isIP(bare) === 4) return bare.startsWith('127.')
  if (isIP(bare) !== 6) return false
  // The URL parser spells an IPv6 address one way: [::1], [::ffff:7f00:1] for ::ffff:127.0.0.1.
  const spelled = new URL(`http://[${bare}]`).hostname
  return spelled === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(spelled)
}

/**
 * Refuses a relay bound to an address other machines reach (`bindHost`) with no public address:
 * it would not know which host its clients' tokens must name. `remedy` says how to give one.
 */
export const requirePublicUrl = (bindHost: string, publicUrls: readonly string[], remedy = 'give it publicUrls'): void => {
  if (publicUrls.length > 0 || isLoopbackHost(bindHost)) return
  throw new RelayAddressError('public-url-required',
    `the relay is bound to ${bindHost}, where other machines reach it, so it must be told its public URL: ` +
    `${remedy}, e.g. https://chat.example.org. Why: a connect token names the relay it was made for, and ` +
    'the relay checks that name against its own public addresses, never against the request\'s Host header, ' +
    'which whoever connects chooses (a token captured by another relay could otherwise be replayed here).')
}

/** The hosts (host[:port], as `new URL(url).host` writes them) a client may address one URL by. */
const hostsOf = (text: string): string[] => {
  const url = new URL(text)
  // NOTE: a host without a port names the scheme's default port, 80 or 443; the token does not
  // say which scheme its client used, so the bare name stands for either.
  return url.port === '' ? [url.hostname, `${url.hostname}:${DEFAULT_PORTS[url.protocol]}`] : [url.host]
}

/**
 * The hosts a connect token may name to be accepted here, lower case: those of the public
 * addresses or, with none, the loopback names of the port the relay really listens on.
 */
export const relayHosts = (publicUrls: readonly string[], listening: { address: string; port: number }): ReadonlySet<string> => {
  if (publicUrls.length > 0) return new Set(publicUrls.flatMap(hostsOf))
  requirePublicUrl(listening.address, publicUrls)
  const bound = isIP(listening.address) === 6 ? `[${listening.address}]` : listening.address
  return new Set(['localhost', '127.0.0.1', '[::1]', bound].flatMap(host => hostsOf(`http://${host}:${listening.port}`)))
}
