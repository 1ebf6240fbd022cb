// Every connection proves, in the HTTP upgrade, that it holds the private key of the user it claims to be.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectProtocols, createConnectToken, MAX_CLOCK_SKEW_MS, TOKEN_LIFETIME_MS } from '../shared/connect-token'
import { createIdentity, type Identity } from '../shared/identity'
import { fromBase64Url, randomId, toBase64Url } from '../shared/ids'
import { CloseCode, MUX_PATH, PARLEY_PROTOCOL, encodeMuxFrame, profileRoom } from '../shared/protocol'
import { MemoryStore } from '../relay/storage/memory-store'
import { Admissions } from '../relay/auth/admissions'
import { createInvite, createInviteSecret } from '../relay/auth/invites'
import { Fixture, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/**
 * Opens a socket offering `protocols` (and extra request `headers`). On a mux socket, it asks for
 * a profile (anyone signed in may read one): 'accepted' once the relay answers, else how the
 * relay ended the socket.
 */
const attempt = (url: string, protocols?: string[], headers?: Record<string, string>): Promise<'accepted' | { code: number; reason: string }> => new Promise((resolve, reject) => {
  const socket = new WebSocket(url, protocols ?? [], { headers })
  fixture.defer(() => socket.terminate())
  socket.on('error', () => {})
  socket.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
  socket.on('open', () => { if (url.endsWith(`/${MUX_PATH}`)) socket.send(encodeMuxFrame({ kind: 'join', room: profileRoom(randomId()) })) })
  socket.once('message', () => resolve('accepted'))
  socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
})

const withToken = async (identity: Identity, url: string, options?: { invite?: string; now?: number }) =>
  connectProtocols(await createConnectToken(identity, url, options))

/** The same token with one bit of its signature flipped. */
const tamperedSignature = (protocols: string[]): string[] => {
  const [prefix, payload, signature] = protocols[1]!.split('.') as [string, string, string]
  const bytes = fromBase64Url(signature)
  bytes[0]! ^= 1
  return [protocols[0]!, `${prefix}.${payload}.${toBase64Url(bytes)}`]
}

describe('authentication', () => {
  it('refuses connections without a valid token with 4401 and the reason, and creates no room', async () => {
    const relay = await fixture.relay()
    const ada = await createIdentity()
    const url = `${relay.wsUrl}/${MUX_PATH}`
    const roomUrl = `${relay.wsUrl}/${profileRoom(ada.user_id)}`
    const now = Date.now()
    const cases: Array<[string, string[] | undefined]> = [
      ['no-credentials', undefined],
      ['no-credentials', [PARLEY_PROTOCOL]],
      ['malformed-token', [PARLEY_PROTOCOL, 'parley-token.bm90IGEgdG9rZW4.AAAA']],
      ['bad-signature', tamperedSignature(await withToken(ada, url))],
      ['expired', await withToken(ada, url, { now: now - TOKEN_LIFETIME_MS - MAX_CLOCK_SKEW_MS - 1000 })],
      ['not-yet-valid', await withToken(ada, url, { now: now + MAX_CLOCK_SKEW_MS + 60_000 })],
      ['wrong-path', await withToken(ada, roomUrl)],
      ['wrong-relay', await withToken(ada, `ws://parley.example:${relay.port}/${MUX_PATH}`)]
    ]
    for (const [reason, protocols] of cases) {
      expect(await attempt(url, protocols), reason).toEqual({ code: CloseCode.unauthorized, reason })
    }
    expect(relay.registry.size).toBe(0)
    expect(relay.log.filter(line => line.includes('connection-refused'))).toHaveLength(cases.length)
  })

  it('accepts a token once: the same token again is refused as replayed', async () => {
    const relay = await fixture.relay()
    const ada = await createIdentity()
    const url = `${relay.wsUrl}/${profileRoom(ada.user_id)}`
    const protocols = await withToken(ada, url)
    const first = new WebSocket(url, protocols)
    fixture.defer(() => first.terminate())
    await new Promise(resolve => first.once('open', resolve))
    expect(first.protocol).toBe(PARLEY_PROTOCOL)
    expect(await attempt(url, protocols)).toEqual({ code: CloseCode.unauthorized, reason: 'replayed' })
  })

  it('lets a client through with a fresh token on every reconnect', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    await bob.whenSynced()
    expect(await ada.lookUp(bob.me.user_id)).toMatchObject({ name: 'Bob' })
    ada.setOnline(false)
    bob.setProfile({ name: 'Bobby' })
    ada.setOnline(true)
    await waitFor('Ada sees Bob renamed after reconnecting', () => ada.users().some(user => user.name === 'Bobby'))
    expect(ada.status).toBe('connected')
  })
})

describe('the relay a token was made for', () => {
  it('refuses a token captured by another relay, even replayed with a Host header forged to match it', async () => {
    const relay = await fixture.relay()
    const ada = await createIdentity()
    const url = `${relay.wsUrl}/${MUX_PATH}`
    // What a relay of an attacker's holds when a link has sent Ada's app to it.
    for (const [made, forgedHost] of [[`ws://evil.example:443/${MUX_PATH}`, 'evil.example:443'], [`wss://evil.example/${MUX_PATH}`, 'evil.example']] as const) {
      const captured = await withToken(ada, made)
      expect(await attempt(url, captured, { host: forgedHost }), made).toEqual({ code: CloseCode.unauthorized, reason: 'wrong-relay' })
    }
  })

  it('accepts a token made for its public address, whatever the Host header says (behind a proxy)', async () => {
    const relay = await fixture.relay({ publicUrls: ['https://chat.example.org'] })
    const url = `${relay.wsUrl}/${MUX_PATH}`
    const ada = await createIdentity()
    // As a browser writes it from wss://chat.example.org (default port dropped), or with the port spelled out.
    expect(await attempt(url, await withToken(ada, `wss://chat.example.org/${MUX_PATH}`))).toBe('accepted')
    expect(await attempt(url, await withToken(ada, `ws://CHAT.example.org:443/${MUX_PATH}`), { host: 'backend.internal:8080' })).toBe('accepted')
    // With a public address configured, only it names this relay.
    expect(await attempt(url, await withToken(ada, url))).toEqual({ code: CloseCode.unauthorized, reason: 'wrong-relay' })
    expect(await attempt(url, await withToken(ada, `wss://chat.example.org:8443/${MUX_PATH}`), { host: 'chat.example.org:8443' }))
      .toEqual({ code: CloseCode.unauthorized, reason: 'wrong-relay' })
    expect(relay.log.some(line => line.includes('claimed="chat.example.org:8443"'))).toBe(true)
  })

  it('with no public address, answers to the loopback names of the port it listens on', async () => {
    const relay = await fixture.relay()
    const ada = await createIdentity()
    const url = `${relay.wsUrl}/${MUX_PATH}`
    for (const name of ['localhost', '127.0.0.1', '[::1]', 'LocalHost']) {
      expect(await attempt(url, await withToken(ada, `ws://${name}:${relay.port}/${MUX_PATH}`), { host: 'anything.example' }), name).toBe('accepted')
    }
    expect(await attempt(url, await withToken(ada, `ws://localhost:${relay.port + 1}/${MUX_PATH}`)))
      .toEqual({ code: CloseCode.unauthorized, reason: 'wrong-relay' })
  })

  it('refuses to start bound to a network address without a public address, and says which flag to set', async () => {
    await expect(fixture.relay({ host: '0.0.0.0' })).rejects.toThrow(/public URL/)
  })
})

describe('invite-only relay', () => {
  const inviteOnly = async () => {
    const store = new MemoryStore()
    const secret = createInviteSecret()
    const admissions = await Admissions.open(store)
    const relay = await fixture.relay({ store, access: { mode: 'invite-only', secret, admissions } })
    return { relay, secret, store }
  }

  it('refuses a newcomer without an invitation, and says why to the client', async () => {
    const { relay } = await inviteOnly()
    const url = `${relay.wsUrl}/${MUX_PATH}`
    expect(await attempt(url, await withToken(await createIdentity(), url))).toEqual({ code: CloseCode.unauthorized, reason: 'invite-required' })
    const client = await fixture.client(relay, 'Eve')
    await waitFor('the client to show it was refused', () => client.status === 'refused')
    expect(client.refusal).toBe('invite-required')
    expect(relay.registry.size).toBe(0)
  })

  it('refuses forged and expired invitations', async () => {
    const { relay, secret } = await inviteOnly()
    const url = `${relay.wsUrl}/${MUX_PATH}`
    const someoneElses = createInvite(createInviteSecret(), Date.now() + 60_000)
    const expired = createInvite(secret, Date.now() - 1000)
    expect(await attempt(url, await withToken(await createIdentity(), url, { invite: someoneElses }))).toMatchObject({ reason: 'bad-invite' })
    expect(await attempt(url, await withToken(await createIdentity(), url, { invite: 'not an invitation' }))).toMatchObject({ reason: 'bad-invite' })
    expect(await attempt(url, await withToken(await createIdentity(), url, { invite: expired }))).toMatchObject({ reason: 'expired-invite' })
  })

  it('admits a newcomer who enters an invitation once, for good', async () => {
    const { relay, secret, store } = await inviteOnly()
    const invite = createInvite(secret, Date.now() + 60_000)
    const dan = await createIdentity()
    const refused = await fixture.client(relay, 'Dan', { identity: dan })
    await waitFor('refused without an invitation', () => refused.status === 'refused')
    refused.setInvite(invite)
    await waitFor('connected once the invitation is entered', () => refused.status === 'connected')
    await refused.close()
    // Later connections need no invitation, also after the relay restarts.
    const admissions = await Admissions.open(store)
    expect(admissions.has(dan.user_id)).toBe(true)
    const url = `${relay.wsUrl}/${MUX_PATH}`
    const socket = new WebSocket(url, await withToken(dan, url))
    fixture.defer(() => socket.terminate())
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('close', reject) })
  })
})
