// Identities: user ids derived from Ed25519 public keys, signing and verifying, and rebuilding from stored keys.
import { beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, identityFromKeys, sign, verify, type Identity } from './identity'
import { ID_PATTERN, fromBase64Url, userIdFromPublicKey } from './ids'

const bytes = (text: string) => new TextEncoder().encode(text)

let ada: Identity
let bob: Identity
beforeAll(async () => { [ada, bob] = await Promise.all([createIdentity(), createIdentity()]) })

describe('createIdentity', () => {
  it('derives the user id from the public key', () => {
    const raw = fromBase64Url(ada.public_key)
    expect(raw).toHaveLength(32)
    expect(ada.user_id).toMatch(ID_PATTERN)
    expect(ada.user_id).toBe(userIdFromPublicKey(raw))
  })

  it('makes a different identity each time', () => {
    expect(bob.user_id).not.toBe(ada.user_id)
    expect(bob.public_key).not.toBe(ada.public_key)
  })

  it('keeps the private key unextractable unless asked', async () => {
    expect(ada.keys.privateKey.extractable).toBe(false)
    expect((await createIdentity({ extractable: true })).keys.privateKey.extractable).toBe(true)
  })
})

describe('sign and verify', () => {
  it('verifies a signature over the same data with the signer’s key', async () => {
    const signature = await sign(ada, bytes('hello'))
    expect(await verify(ada.public_key, signature, bytes('hello'))).toBe(true)
  })

  it('rejects other data, another key and a tampered signature', async () => {
    const signature = await sign(ada, bytes('hello'))
    expect(await verify(ada.public_key, signature, bytes('hellO'))).toBe(false)
    expect(await verify(bob.public_key, signature, bytes('hello'))).toBe(false)
    const tampered = signature.slice()
    tampered[0]! ^= 1
    expect(await verify(ada.public_key, tampered, bytes('hello'))).toBe(false)
  })
})

describe('identityFromKeys', () => {
  it('rebuilds the same identity from a stored key pair', async () => {
    const rebuilt = await identityFromKeys(ada.keys)
    expect(rebuilt.user_id).toBe(ada.user_id)
    expect(rebuilt.public_key).toBe(ada.public_key)
    expect(await verify(ada.public_key, await sign(rebuilt, bytes('again')), bytes('again'))).toBe(true)
  })
})
