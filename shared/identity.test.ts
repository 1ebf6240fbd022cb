// Identities: user ids derived from Ed25519 public keys, signing and verifying, and rebuilding from stored keys.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
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

describe('verify keeps keys imported', () => {
  afterEach(() => { vi.restoreAllMocks() })

  it('imports a public key once for many verifications', async () => {
    const carol = await createIdentity()
    const signature = await sign(carol, bytes('hi'))
    const importKey = vi.spyOn(crypto.subtle, 'importKey')
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(carol.public_key, signature, bytes('hi'))))
    expect(results).toEqual([true, true, true, true, true])
    expect(importKey).toHaveBeenCalledTimes(1)
  })

  it('still tells genuine from forged once many other keys have been used', async () => {
    const signature = await sign(ada, bytes('kept'))
    const others = await Promise.all(Array.from({ length: 1100 }, () => createIdentity()))
    await Promise.all(others.map(other => verify(other.public_key, signature, bytes('kept'))))
    expect(await verify(ada.public_key, signature, bytes('kept'))).toBe(true)
    expect(await verify(ada.public_key, signature, bytes('kepT'))).toBe(false)
  })

  it('rejects a key that cannot be imported, every time', async () => {
    const signature = await sign(ada, bytes('x'))
    await expect(verify('AAAA', signature, bytes('x'))).rejects.toThrow()
    await expect(verify('AAAA', signature, bytes('x'))).rejects.toThrow()
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
