// The replay guard accepts each nonce once while it matters, forgets it afterwards, and never grows without bound.
import { describe, expect, it } from 'vitest'
import { connectProtocols, createConnectToken } from '../../shared/connect-token'
import { createIdentity } from '../../shared/identity'
import { Authenticator } from './authenticate'
import { DEFAULT_MAX_NONCES, LONGEST_NONCE_LIFE_MS, MAX_TOKEN_CHECKS_PER_SECOND, ReplayGuard, TABLE_SPAN_MS, bytesWhenFull } from './replay-guard'

describe('ReplayGuard', () => {
  it('admits a nonce once until it expires', () => {
    const guard = new ReplayGuard()
    expect(guard.admit('n1', 1000, 0)).toBe('admitted')
    expect(guard.admit('n1', 1000, 500)).toBe('replayed')
    expect(guard.admit('n2', 1500, 500)).toBe('admitted')
    expect(guard.admit('n2', 1500, 1200)).toBe('replayed')
    // Once every nonce remembered with them has expired (looked at once a second), they are
    // forgotten: a token that old is refused as expired anyway.
    expect(guard.admit('n3', 5000, 2500)).toBe('admitted')
    expect(guard.size).toBe(1)
  })

  it('refuses rather than forgets a live nonce when full', () => {
    const guard = new ReplayGuard(2)
    expect(guard.admit('a', 1000, 0)).toBe('admitted')
    expect(guard.admit('b', 1000, 0)).toBe('admitted')
    expect(guard.admit('c', 1000, 0)).toBe('full')
    expect(guard.admit('a', 1000, 0)).toBe('replayed')
    expect(guard.admit('c', 3000, 1000)).toBe('admitted')
  })

  it('tells 200,000 nonces apart and keeps each in at most 24 bytes', () => {
    const guard = new ReplayGuard()
    const now = 1_000_000
    let refused = 0
    for (let i = 0; i < 200_000; i++) if (guard.admit(`nonce-${i}`, now + 300_000, now + i / 100) !== 'admitted') refused += 1
    expect(refused).toBe(0)
    let replays = 0
    for (let i = 0; i < 200_000; i += 997) if (guard.admit(`nonce-${i}`, now + 300_000, now + 2000) === 'replayed') replays += 1
    expect(replays).toBe(Math.ceil(200_000 / 997))
    expect(guard.size).toBe(200_000)
    expect(guard.bytes / guard.size).toBeLessThanOrEqual(24)
    // Every one forgotten once the last of them has expired.
    expect(guard.admit('later', now + 900_000, now + 300_000 + TABLE_SPAN_MS + 1000)).toBe('admitted')
    expect(guard.size).toBe(1)
  })

  it('holds ten times the tokens one relay process can check while a nonce must be kept, in bounded memory', () => {
    const checkable = MAX_TOKEN_CHECKS_PER_SECOND * (LONGEST_NONCE_LIFE_MS + TABLE_SPAN_MS) / 1000
    expect(DEFAULT_MAX_NONCES).toBeGreaterThanOrEqual(10 * checkable)
    expect(bytesWhenFull(DEFAULT_MAX_NONCES)).toBeLessThanOrEqual(720 * 1024 * 1024)
  })
})

describe('Authenticator with a full replay guard', () => {
  it('refuses with busy while full, and still refuses a replay as replayed', async () => {
    const authenticator = new Authenticator({ mode: 'open' }, claimed => claimed === '127.0.0.1:1234', { maxNonces: 2 })
    const identity = await createIdentity()
    const url = 'ws://127.0.0.1:1234/mux'
    const request = (token: string) => ({ headers: { host: '127.0.0.1:1234', 'sec-websocket-protocol': connectProtocols(token).join(', ') } }) as never
    const tokens = await Promise.all([1, 2, 3].map(() => createConnectToken(identity, url)))
    expect(await authenticator.authenticate(request(tokens[0]!), 'mux')).toMatchObject({ ok: true })
    expect(await authenticator.authenticate(request(tokens[1]!), 'mux')).toMatchObject({ ok: true })
    expect(await authenticator.authenticate(request(tokens[2]!), 'mux')).toEqual({ ok: false, reason: 'busy' })
    expect(await authenticator.authenticate(request(tokens[0]!), 'mux')).toEqual({ ok: false, reason: 'replayed' })
  })
})
