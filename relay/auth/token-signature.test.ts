// The relay's own signature check agrees with WebCrypto's on genuine, altered and foreign signatures.
import { describe, expect, it } from 'vitest'
import { createIdentity, sign, verify } from '../../shared/identity'
import { verifyTokenSignature } from './token-signature'

describe('verifyTokenSignature', () => {
  it('accepts exactly what WebCrypto accepts', async () => {
    const [ada, bob] = await Promise.all([createIdentity(), createIdentity()])
    const data = new TextEncoder().encode('parley connect token')
    const signature = await sign(ada, data)
    const altered = signature.slice()
    altered[10]! ^= 1
    const otherData = data.slice()
    otherData[0]! ^= 1
    const cases: Array<[string, Uint8Array, Uint8Array]> = [
      [ada.public_key, signature, data],
      [ada.public_key, altered, data],
      [ada.public_key, signature, otherData],
      [bob.public_key, signature, data]
    ]
    const verdicts = cases.map(([key, sig, bytes]) => verifyTokenSignature(key, sig, bytes))
    expect(verdicts).toEqual([true, false, false, false])
    expect(await Promise.all(cases.map(([key, sig, bytes]) => verify(key, sig, bytes)))).toEqual(verdicts)
  })

  it('says no, rather than throwing, to a key or signature of the wrong shape', async () => {
    const ada = await createIdentity()
    const data = Uint8Array.of(1, 2, 3)
    const signature = await sign(ada, data)
    expect(verifyTokenSignature(ada.public_key.slice(0, 20), signature, data)).toBe(false)
    expect(verifyTokenSignature('not base64url!', signature, data)).toBe(false)
    expect(verifyTokenSignature(ada.public_key, signature.slice(0, 63), data)).toBe(false)
    // And the key is still good afterwards.
    expect(verifyTokenSignature(ada.public_key, signature, data)).toBe(true)
  })
})
