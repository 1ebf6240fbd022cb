// Message signatures: a genuine message verifies; any changed field, another key or a malformed signature does not.
import { beforeAll, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import { createIdentity, type Identity } from './identity'
import { randomId, toBase64Url, fromBase64Url } from './ids'
import { MESSAGE_DOMAIN, messageSigningBytes, signMessage, verifyMessage, type UnsignedMessage } from './message-signature'
import { isSignature, parseMessage, type Message } from './model'

const T = '2024-05-01T12:00:00.000Z'
const LATER = '2024-05-01T12:30:00.250Z'

let ada: Identity
let bob: Identity
beforeAll(async () => { [ada, bob] = await Promise.all([createIdentity(), createIdentity()]) })

const unsigned = (overrides: Partial<UnsignedMessage> = {}): UnsignedMessage => ({
  message_id: randomId(),
  sender_id: ada.user_id,
  receiver_id: bob.user_id,
  group_id: null,
  content: 'hello, Bob',
  created_at: T,
  updated_at: T,
  deleted_at: null,
  ...overrides
})

const signed = async (message: UnsignedMessage, by: Identity = ada): Promise<Message> =>
  ({ ...message, signature: await signMessage(by, message) })

/** Another value for each field, of the same kind (a nullable field also tried as null and not). */
const changes = (): Array<[keyof UnsignedMessage, unknown]> => [
  ['message_id', randomId()],
  ['sender_id', bob.user_id],
  ['receiver_id', randomId()],
  ['receiver_id', null],
  ['group_id', randomId()],
  ['content', 'hello, Bob!'],
  ['content', 'hello, bob'],
  ['created_at', LATER],
  ['updated_at', LATER],
  ['deleted_at', LATER]
]

describe('signMessage and verifyMessage', () => {
  it('round trip: the sender signs, anyone with the public key verifies, and the signature parses', async () => {
    for (const message of [unsigned(), unsigned({ receiver_id: null, group_id: randomId() }), unsigned({ content: '', deleted_at: LATER })]) {
      const genuine = await signed(message)
      expect(isSignature(genuine.signature)).toBe(true)
      expect(genuine.signature).toHaveLength(86)
      expect(parseMessage(genuine, genuine.message_id)).toEqual({ ok: true, value: genuine })
      expect(await verifyMessage(genuine, ada.public_key)).toBe(true)
    }
  })

  it('covers every field: changing any one of them breaks the signature', async () => {
    const genuine = await signed(unsigned())
    const covered = new Set<string>()
    for (const [field, value] of changes()) {
      covered.add(field)
      expect(await verifyMessage({ ...genuine, [field]: value }, ada.public_key), `changed ${field}`).toBe(false)
    }
    expect([...covered].sort()).toEqual(Object.keys(unsigned()).sort())
  })

  it('tells null apart from an empty or a "null" string, and fields apart from their neighbours', async () => {
    const inGroup = await signed(unsigned({ receiver_id: null, group_id: randomId() }))
    expect(await verifyMessage({ ...inGroup, receiver_id: '' }, ada.public_key)).toBe(false)
    expect(await verifyMessage({ ...inGroup, receiver_id: 'null' }, ada.public_key)).toBe(false)
    // Moving characters from one field to the next changes the bytes (every string is length-prefixed).
    const message = unsigned({ content: 'ab' })
    expect(messageSigningBytes(message)).not.toEqual(messageSigningBytes({ ...message, content: 'a', created_at: 'b' + message.created_at }))
  })

  it('fails with another key, and with another sender’s genuine signature on the same message', async () => {
    const genuine = await signed(unsigned())
    expect(await verifyMessage(genuine, bob.public_key)).toBe(false)
    const byBob = await signed(unsigned(), bob)
    expect(await verifyMessage({ ...genuine, signature: byBob.signature }, ada.public_key)).toBe(false)
  })

  it('fails, without throwing, for a malformed signature or public key', async () => {
    const genuine = await signed(unsigned())
    const flipped = fromBase64Url(genuine.signature)
    flipped[10]! ^= 1
    for (const signature of [toBase64Url(flipped), '', 'A'.repeat(86), 'not a signature', genuine.signature.slice(0, 85), genuine.signature + 'A']) {
      expect(await verifyMessage({ ...genuine, signature }, ada.public_key)).toBe(false)
    }
    for (const publicKey of ['', 'short', 'A'.repeat(43), ada.public_key + 'A']) {
      expect(await verifyMessage(genuine, publicKey)).toBe(false)
    }
  })

  it('refuses text with a lone surrogate, which UTF-8 could not tell from U+FFFD', async () => {
    const replaced = await signed(unsigned({ content: 'half \uFFFD' }))
    expect(await verifyMessage(replaced, ada.public_key)).toBe(true)
    expect(await verifyMessage({ ...replaced, content: 'half \uD83D' }, ada.public_key)).toBe(false)
  })

  it('encodes under its domain prefix, with the fields in a fixed order', () => {
    const message = unsigned()
    const decoder = decoding.createDecoder(messageSigningBytes(message))
    expect(decoding.readVarString(decoder)).toBe(MESSAGE_DOMAIN)
    expect(decoding.readVarString(decoder)).toBe(message.message_id)
    expect(decoding.readVarString(decoder)).toBe(message.sender_id)
    expect(decoding.readUint8(decoder)).toBe(1)
    expect(decoding.readVarString(decoder)).toBe(message.receiver_id)
    expect(decoding.readUint8(decoder)).toBe(0) // group_id: null
    expect(decoding.readVarString(decoder)).toBe(message.content)
    expect(decoding.readVarString(decoder)).toBe(message.created_at)
    expect(decoding.readVarString(decoder)).toBe(message.updated_at)
    expect(decoding.readUint8(decoder)).toBe(0) // deleted_at: null
    expect(decoding.hasContent(decoder)).toBe(false)
  })
})
