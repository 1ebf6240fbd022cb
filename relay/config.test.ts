// Relay configuration: defaults, environment, flags over environment, and clear errors.
import { describe, expect, it } from 'vitest'
import { parseConfig } from './config'

describe('parseConfig', () => {
  it('has working defaults', () => {
    expect(parseConfig([], {})).toEqual({
      port: 1234, host: '127.0.0.1', dataDir: 'data', staticDir: 'dist', maxFrameBytes: 4194304, idleUnloadMs: 5000
    })
  })

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '8080', HOST: '0.0.0.0', PARLEY_DATA_DIR: '/var/parley' }
    expect(parseConfig([], env)).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/var/parley' })
    expect(parseConfig(['--port', '9000', '--data-dir', 'here'], env)).toMatchObject({ port: 9000, dataDir: 'here' })
  })

  it('keeps rooms in memory only when asked', () => {
    expect(parseConfig(['--memory'], {}).valueOf()).toMatchObject({ dataDir: null })
    expect(parseConfig([], { PARLEY_MEMORY: '1' })).toMatchObject({ dataDir: null })
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
