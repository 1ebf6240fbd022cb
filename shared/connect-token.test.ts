// Connection tokens: what is signed comes back intact, and nothing else reads as genuine.
import { beforeAll, describe, expect, it } from 'vitest'
import { connectProtocols, createConnectToken, readConnectToken, tokenOfProtocols, PARLEY_PROTOCOL } from './connect-token'
import { createIdentity, type Identity } from './identity'
import { fromBase64Url, toBase64Url } from './ids'

let ada: Identity
let bob: Identity
beforeAll(async () => { [ada, bob] = await Promise.all([createIdentity(), createIdentity()]) })

const flipByte = (text: string, index: number): string => {
  const bytes = fromBase64Url(text)
  bytes[index]! ^= 1
  return toBase64Url(bytes)
}

describe('connect tokens', () => {
  it('carry who, where, when, a fresh nonce and the invitation, signed', async () => {
    const token = await createConnectToken(ada, 'ws://relay.example:1234/mux', { invite: 'abc.def.ghi', now: 1_700_000_000_000 })
    const read = await readConnectToken(token)
    expect(read).toMatchObject({
      ok: true,
      claims: { user_id: ada.user_id, public_key: ada.public_key, host: 'relay.example:1234', path: 'mux', issued_at: 1_700_000_000_000, invite: 'abc.def.ghi' }
    })
    const again = await readConnectToken(await createConnectToken(ada, 'ws://relay.example:1234/mux'))
    expect(again.ok && read.ok && again.claims.nonce !== read.claims.nonce).toBe(true)
  })

  it('are offered as a subprotocol beside Parley\'s, using only characters a subprotocol may hold', async () => {
    const token = await createConnectToken(ada, 'ws://127.0.0.1:1/dm/a/b')
    const protocols = connectProtocols(token)
    expect(protocols[0]).toBe(PARLEY_PROTOCOL)
    expect(protocols[1]).toMatch(/^[A-Za-z0-9_.-]+$/)
    expect(tokenOfProtocols(protocols)).toBe(token)
    expect(tokenOfProtocols([PARLEY_PROTOCOL])).toBeNull()
  })

  it('read as forged when any byte of the claims or the signature changes, or another key signed them', async () => {
    const token = await createConnectToken(ada, 'ws://relay.example/mux')
    const [payload, signature] = token.split('.') as [string, string]
    for (const index of [0, 1, 10, 40, fromBase64Url(payload).length - 1]) {
      expect((await readConnectToken(`${flipByte(payload, index)}.${signature}`)).ok).toBe(false)
    }
    expect(await readConnectToken(`${payload}.${flipByte(signature, 5)}`)).toEqual({ ok: false, reason: 'bad-signature' })
    const bobsSignature = (await createConnectToken(bob, 'ws://relay.example/mux')).split('.')[1]
    expect(await readConnectToken(`${payload}.${bobsSignature}`)).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it('read as malformed when they are not tokens at all', async () => {
    for (const garbage of ['', '.', 'abc', 'a.b.c', '%%%.%%%', `${toBase64Url(new Uint8Array(200))}.${toBase64Url(new Uint8Array(64))}`]) {
      expect(await readConnectToken(garbage), garbage).toEqual({ ok: false, reason: 'malformed-token' })
    }
  })
})
