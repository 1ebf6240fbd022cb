// Relay configuration: defaults, environment, flags over environment, and clear errors.
import { describe, expect, it } from 'vitest'
import { parseConfig } from './config'
import { DEFAULT_LIMITS } from './trust/limits'

describe('parseConfig', () => {
  it('has working defaults', () => {
    expect(parseConfig([], {})).toEqual({
      port: 1234, host: '127.0.0.1', dataDir: 'data', staticDir: 'dist', idleUnloadMs: 5000, docRestMs: 10_000,
      inviteOnly: false, inviteSecret: null, limits: DEFAULT_LIMITS
    })
  })

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '8080', HOST: '0.0.0.0', PARLEY_DATA_DIR: '/var/parley' }
    expect(parseConfig([], env)).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/var/parley' })
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

  it('says what is wrong with a bad value or an unknown flag', () => {
    expect(() => parseConfig(['--port', 'eighty'], {})).toThrow(/port must be an integer from 0 to 65535, not "eighty"/)
    expect(() => parseConfig([], { PORT: '70000' })).toThrow(/port/)
    expect(() => parseConfig(['--colour'], {})).toThrow(/colour/)
  })

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help')
  })
})
