// Relay configuration: defaults, environment, flags over environment, and clear errors.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, USAGE } from './config'
import { DEFAULT_LIMITS } from './limits/limits'

describe('parseConfig', () => {
  it('has working defaults', () => {
    expect(parseConfig([], {})).toEqual({
      port: 1234, host: '127.0.0.1', publicUrls: [], dataDir: 'data', staticDir: 'dist', idleUnloadMs: 5000, docRestMs: 10_000,
      inviteOnly: false, inviteSecret: null, people: 'everyone', limits: DEFAULT_LIMITS
    })
  })

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '8080', HOST: '0.0.0.0', PARLEY_PUBLIC_URL: 'https://chat.example.org', PARLEY_DATA_DIR: '/var/parley' }
    expect(parseConfig([], env)).toMatchObject({ port: 8080, host: '0.0.0.0', publicUrls: ['https://chat.example.org'], dataDir: '/var/parley' })
    expect(parseConfig(['--port', '9000', '--data-dir', 'here'], env)).toMatchObject({ port: 9000, dataDir: 'here' })
    expect(parseConfig(['--doc-rest-ms', '2500'], { PARLEY_DOC_REST_MS: '60000' })).toMatchObject({ docRestMs: 2500 })
    expect(parseConfig([], { PARLEY_DOC_REST_MS: '60000' })).toMatchObject({ docRestMs: 60_000 })
  })

  it('keeps rooms in memory only when asked', () => {
    expect(parseConfig(['--memory'], {}).valueOf()).toMatchObject({ dataDir: null })
    expect(parseConfig([], { PARLEY_MEMORY: '1' })).toMatchObject({ dataDir: null })
  })

  it('reads invite-only mode and every limit, from flags or the environment', () => {
    expect(parseConfig(['--invite-only'], {})).toMatchObject({ inviteOnly: true })
    expect(parseConfig([], { PARLEY_INVITE_ONLY: '1' })).toMatchObject({ inviteOnly: true })
    const config = parseConfig(['--connections-per-address', '5000'], { PARLEY_MESSAGES_PER_SECOND: '10', PARLEY_MAX_FRAME_BYTES: '65536' })
    expect(config).toMatchObject({ limits: { ...DEFAULT_LIMITS, connectionsPerAddress: 5000, messagesPerSecond: 10, maxFrameBytes: 65536 } })
    expect(() => parseConfig(['--awareness-per-room', '0'], {})).toThrow(/awareness per room must be an integer from 1 to 64/)
    expect(() => parseConfig([], { PARLEY_INVITE_SECRET: 'short' })).toThrow(/PARLEY_INVITE_SECRET/)
    expect(parseConfig(['--pending-per-address', '8'], { PARLEY_FIRST_BYTE_TIMEOUT_MS: '2000' })).toMatchObject({ limits: { pendingPerAddress: 8, firstByteTimeoutMs: 2000 } })
    expect(() => parseConfig(['--headers-timeout-ms', '40000'], {})).toThrow(/request timeout ms \(30000\) must be at least headers timeout ms \(40000\)/)
  })

  it('reads the budgets per user and for the relay, the connections per user, and the socket timeouts, and lists them in --help', () => {
    const config = parseConfig(['--relay-cpu-ms-per-second', '300', '--connections-per-user', '16', '--ping-interval-ms', '10000'],
      { PARLEY_SEND_TIMEOUT_MS: '5000', PARLEY_PING_TIMEOUT_MS: '2000' })
    expect(config).toMatchObject({ limits: { relayCpuMsPerSecond: 300, connectionsPerUser: 16, sendTimeoutMs: 5000, pingIntervalMs: 10_000, pingTimeoutMs: 2000 } })
    expect(() => parseConfig(['--send-timeout-ms', '10'], {})).toThrow(/send timeout ms must be an integer from 100/)
    for (const flag of ['--relay-cpu-ms-per-second', '--connections-per-user', '--send-timeout-ms', '--ping-interval-ms', '--ping-timeout-ms']) {
      expect(USAGE).toContain(flag)
    }
  })

  it('says what is wrong with a bad value or an unknown flag', () => {
    expect(() => parseConfig(['--port', 'eighty'], {})).toThrow(/port must be an integer from 0 to 65535, not "eighty"/)
    expect(() => parseConfig([], { PORT: '70000' })).toThrow(/port/)
    expect(() => parseConfig(['--colour'], {})).toThrow(/colour/)
  })

  it('reads the public addresses: repeated or comma-separated, flags over the environment, spelled as clients write them', () => {
    expect(parseConfig(['--public-url', 'https://Chat.Example.org:443/'], {})).toMatchObject({ publicUrls: ['https://chat.example.org'] })
    expect(parseConfig(['--public-url', 'https://chat.example.org', '--public-url', 'http://10.0.0.5:1234'], {}))
      .toMatchObject({ publicUrls: ['https://chat.example.org', 'http://10.0.0.5:1234'] })
    const env = { PARLEY_PUBLIC_URL: 'wss://chat.example.org, http://[::1]:8080' }
    expect(parseConfig([], env)).toMatchObject({ publicUrls: ['wss://chat.example.org', 'http://[::1]:8080'] })
    expect(parseConfig(['--public-url', 'https://other.example,https://third.example'], env))
      .toMatchObject({ publicUrls: ['https://other.example', 'https://third.example'] })
    expect(USAGE).toMatch(/--public-url URL +PARLEY_PUBLIC_URL/)
  })

  it('says what is wrong with a public address', () => {
    const cases: Array<[string, RegExp]> = [
      ['chat.example.org', /--public-url "chat\.example\.org" is not a URL/],
      ['ftp://chat.example.org', /--public-url "ftp:\/\/chat\.example\.org" must start with https:\/\/, http:\/\/, wss:\/\/ or ws:\/\//],
      ['https://chat.example.org/parley', /must have no path.*root/],
      ['https://chat.example.org/?room=x', /no path, query or fragment/],
      ['https://ada:secret@chat.example.org', /no user name or password/],
      ['', /--public-url "" is not a URL/]
    ]
    for (const [given, message] of cases) {
      expect(() => parseConfig(['--public-url', given], {}), given).toThrow(ConfigError)
      expect(() => parseConfig(['--public-url', given], {}), given).toThrow(message)
    }
    expect(() => parseConfig([], { PARLEY_PUBLIC_URL: 'https://ok.example,nope' })).toThrow(/"nope" is not a URL/)
  })

  it('refuses to serve a network without a public address, and says which flag to set and why', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'chat.example.org']) {
      expect(() => parseConfig(['--host', host], {}), host).toThrow(ConfigError)
      expect(() => parseConfig(['--host', host], {}), host).toThrow(/set --public-url \(PARLEY_PUBLIC_URL\).*Host header/s)
    }
    expect(() => parseConfig([], { HOST: '0.0.0.0' })).toThrow(/--public-url/)
    expect(parseConfig(['--host', '0.0.0.0', '--public-url', 'https://chat.example.org'], {})).toMatchObject({ host: '0.0.0.0' })
    for (const loopback of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(parseConfig(['--host', loopback], {}), loopback).toMatchObject({ host: loopback, publicUrls: [] })
    }
  })

  it('reads whom searches find, flags over the environment, and says what is wrong with a mode', () => {
    expect(parseConfig(['--people', 'search'], {})).toMatchObject({ people: 'search' })
    expect(parseConfig([], { PARLEY_PEOPLE: 'off' })).toMatchObject({ people: 'off' })
    expect(parseConfig(['--people', 'everyone'], { PARLEY_PEOPLE: 'off' })).toMatchObject({ people: 'everyone' })
    expect(() => parseConfig(['--people', 'nobody'], {})).toThrow(/people must be one of everyone, search, off, not "nobody"/)
    expect(() => parseConfig([], { PARLEY_PEOPLE: 'Search' })).toThrow(ConfigError)
    expect(USAGE).toMatch(/--people MODE +PARLEY_PEOPLE/)
  })

  it('reads the rate of searches for people and their burst', () => {
    expect(parseConfig(['--searches-per-minute', '10'], { PARLEY_SEARCH_BURST: '3' })).toMatchObject({ limits: { searchesPerMinute: 10, searchBurst: 3 } })
    expect(() => parseConfig(['--search-burst', '0'], {})).toThrow(/search burst must be an integer from 1/)
    expect(USAGE).toContain('--searches-per-minute')
  })

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help')
  })
})
