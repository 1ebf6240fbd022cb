// A compromised relay cannot forge: messages and activity entries written into a client's documents show only if their sender signed them.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { signActivity } from '../../shared/activity-signature'
import { ParleyError } from '../../shared/errors'
import { createIdentity, type Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { signMessage, verifyMessage, type UnsignedMessage } from '../../shared/message-signature'
import type { Message, User } from '../../shared/model'
import { peerOrigin } from '../../shared/origin'
import { bucketRoom, conversationRoom, directConversation, profileRoom } from '../../shared/protocol'
import { bucketMessages, conversationActivity, profileRecord } from '../../shared/schema'
import type { Conversation } from './conversation'
import { ParleyClient } from '../parley'
import { openOfflineClient } from '../testing/offline-testing'
import { offlineNetwork, type Storage } from '../transport'

const RELAY = peerOrigin('relay')
const T = '2024-05-01T12:00:00.000Z'

let bob: Identity
let mallory: Identity
beforeAll(async () => { [bob, mallory] = await Promise.all([createIdentity(), createIdentity()]) })

const clients: ParleyClient[] = []
afterEach(async () => { await Promise.all(clients.splice(0).map(client => client.close())) })

/** Ada, offline, with a handle on each of her documents by room. */
const openAda = async () => {
  const { client: ada, doc } = await openOfflineClient()
  clients.push(ada)
  ada.setProfile({ name: 'Ada' })
  const chat = await ada.openDirect(bob.user_id)
  // Opening the conversation opened Bob's profile room (his key checks his messages): no profile yet.
  expect(await ada.lookUp(bob.user_id)).toBeNull()
  const ref = directConversation(ada.me.user_id, bob.user_id)
  return { ada, chat, ref, doc }
}

/**
 * What a relay (honest or not) does: sends an update made from its own copy of the room.
 * The copy starts from the client's state, so that a rewritten key replaces the client's value.
 */
const fromRelay = (doc: Y.Doc, change: (copy: Y.Doc) => void): void => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  change(copy)
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(copy, Y.encodeStateVector(doc)), RELAY)
}

const profileOf = (identity: Identity, name: string): User =>
  ({ user_id: identity.user_id, name, public_key: identity.public_key, created_at: T, updated_at: T, deleted_at: null })

/** `identity`'s profile, as the relay sends it into their profile room. */
const publish = (profile: Y.Doc, identity: Identity, name: string) =>
  fromRelay(profile, copy => profileRecord(copy).set(identity.user_id, profileOf(identity, name)))

/** A message to Ada claiming to be from Bob, signed by `signer`. */
const fromBob = async (ada: ParleyClient, content: string, signer: Identity = bob, overrides: Partial<UnsignedMessage> = {}): Promise<Message> => {
  const unsigned: UnsignedMessage = {
    message_id: randomId(), sender_id: bob.user_id, receiver_id: ada.me.user_id, group_id: null,
    content, created_at: T, updated_at: T, deleted_at: null, ...overrides
  }
  return { ...unsigned, signature: await signMessage(signer, unsigned) }
}

const writeMessages = (bucket: Y.Doc, messages: Message[]) =>
  fromRelay(bucket, copy => { for (const message of messages) bucketMessages(copy).set(message.message_id, message) })

/** The contents shown, in any order (the forged timestamps are not the point here). */
const contents = async (chat: Conversation) => (await chat.history()).messages.map(message => message.content).sort()

/** Polls until `check` holds, failing after a second. */
const until = async (what: string, check: () => boolean | Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 1000
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

const reason = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => 'resolved', (error: unknown) => error instanceof ParleyError ? error.reason : error)

describe('messages in a conversation', () => {
  it('shows genuine messages and hides, counting, those their sender did not sign', async () => {
    const { ada, chat, ref, doc } = await openAda()
    await chat.send('hello')
    publish(doc(profileRoom(bob.user_id)), bob, 'Bob')
    const genuine = await fromBob(ada, 'a genuine reply')
    const byMallory = await fromBob(ada, 'signed by someone else', mallory)
    const altered = { ...await fromBob(ada, 'what Bob wrote'), content: 'what the relay says Bob wrote' }
    const reused = { ...await fromBob(ada, 'a forgery'), signature: genuine.signature }
    const garbage = { ...await fromBob(ada, 'a made-up signature'), signature: 'A'.repeat(86) }
    writeMessages(doc(bucketRoom(ref, 0)), [genuine, byMallory, altered, reused, garbage])

    // A page waits for the checks under way, so the forgeries never show, not even briefly.
    expect(await contents(chat)).toEqual(['a genuine reply', 'hello'])
    expect(chat.unverified).toBe(4)
    expect(chat.skipped).toBe(0)
  })

  it('tells its listeners once a newly arrived message is verified', async () => {
    const { ada, chat, ref, doc } = await openAda()
    publish(doc(profileRoom(bob.user_id)), bob, 'Bob')
    await chat.send('first') // starts bucket 0
    const reply = await fromBob(ada, 'live')
    let verified = false
    chat.subscribe(() => { verified ||= bucketMessages(doc(bucketRoom(ref, 0))).has(reply.message_id) && chat.unverified === 0 })
    let notified = 0
    const unsubscribe = chat.subscribe(() => { notified++ })
    writeMessages(doc(bucketRoom(ref, 0)), [reply])
    const atArrival = notified
    await until('the verified message to be announced', () => notified > atArrival)
    unsubscribe()
    expect(verified).toBe(true)
    expect(await contents(chat)).toEqual(['first', 'live'])
  })

  it('holds back a message whose sender’s profile has not arrived, and shows it when it does', async () => {
    const { ada, chat, ref, doc } = await openAda()
    await chat.send('hello')
    writeMessages(doc(bucketRoom(ref, 0)), [await fromBob(ada, 'from Bob, before his profile')])
    expect(await contents(chat)).toEqual(['hello'])
    expect(chat.unverified).toBe(0)

    let notified = false
    chat.subscribe(() => { notified = true })
    publish(doc(profileRoom(bob.user_id)), bob, 'Bob')
    await until('the message to show', async () => (await contents(chat)).length === 2)
    expect(notified).toBe(true)
    expect(await contents(chat)).toEqual(['from Bob, before his profile', 'hello'])
  })

  it('hides an edit signed by someone else and counts it, until a genuine version replaces it', async () => {
    const { ada, chat, ref, doc } = await openAda()
    publish(doc(profileRoom(bob.user_id)), bob, 'Bob')
    await chat.send('hello')
    const original = await fromBob(ada, 'see you at 8')
    const bucket = doc(bucketRoom(ref, 0))
    writeMessages(bucket, [original])
    expect(await contents(chat)).toEqual(['hello', 'see you at 8'])

    // The relay rewrites Bob's message: Mallory's signature, or Bob's old one on new content.
    const later = '2024-05-01T12:05:00.000Z'
    for (const forged of [
      await fromBob(ada, 'see you at 9', mallory, { message_id: original.message_id, updated_at: later }),
      { ...original, content: 'see you at 9', updated_at: later }
    ]) {
      writeMessages(bucket, [forged])
      expect(await contents(chat)).toEqual(['hello'])
      expect(chat.unverified).toBe(1)
    }

    const edited = await fromBob(ada, 'see you at 8:30', bob, { message_id: original.message_id, updated_at: later })
    writeMessages(bucket, [edited])
    expect(await contents(chat)).toEqual(['hello', 'see you at 8:30'])
    expect(chat.unverified).toBe(0)
  })

  it('signs every version of one’s own messages, and will not re-sign a forged one', async () => {
    const { ada, chat, ref, doc } = await openAda()
    const hello = await chat.send('hello')
    const edited = await chat.edit(hello.message_id, 'hello, Bob')
    expect(edited.signature).not.toBe(hello.signature)
    const deleted = await chat.delete(edited.message_id)
    expect(new Set([hello.signature, edited.signature, deleted.signature]).size).toBe(3)
    for (const version of [hello, edited, deleted]) expect(await verifyMessage(version, ada.me.public_key)).toBe(true)
    expect(bucketMessages(doc(bucketRoom(ref, 0))).get(hello.message_id)).toEqual(deleted)

    // The relay alters one's own message: hidden, and not Ada's to edit or delete (which would sign the forgery's fields).
    const mine = await chat.send('mine')
    writeMessages(doc(bucketRoom(ref, 0)), [{ ...mine, content: 'not mine' }])
    expect(await contents(chat)).toEqual([''])
    expect(chat.unverified).toBe(1)
    expect(await reason(chat.edit(mine.message_id, 'laundered'))).toBe('not-found')
    expect(await reason(chat.delete(mine.message_id))).toBe('not-found')
  })
})

describe('opening history', () => {
  it('checks only the signatures a page shows, taking older messages in place of forged ones', async () => {
    // Ada's documents are kept across closing and reopening the conversation, as IndexedDB would.
    const kept = new Map<string, Uint8Array>()
    const docs = new Map<string, Y.Doc>()
    const storage: Storage = {
      persist: (room, doc) => {
        const saved = kept.get(room)
        if (saved) Y.applyUpdate(doc, saved)
        docs.set(room, doc)
        return { loaded: Promise.resolve(), replace: async () => {}, destroy: async () => { kept.set(room, Y.encodeStateAsUpdate(doc)) } }
      }
    }
    const ada = await ParleyClient.open({ identity: await createIdentity(), network: offlineNetwork, storage })
    clients.push(ada)
    const first = await ada.openDirect(bob.user_id)
    await first.send('the oldest')
    await ada.lookUp(bob.user_id)
    publish(docs.get(profileRoom(bob.user_id))!, bob, 'Bob')
    const start = Date.now()
    const at = (i: number) => new Date(start + (i + 1) * 1000).toISOString()
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      fromBob(ada, `reply ${i}`, i >= 97 ? mallory : bob, { created_at: at(i), updated_at: at(i) })))
    writeMessages(docs.get(bucketRoom(first.ref, 0))!, replies)
    await first.close()

    const verify = vi.spyOn(crypto.subtle, 'verify')
    try {
      const chat = await ada.openDirect(bob.user_id)
      const page = await chat.history({ limit: 10 })
      // The three newest are Mallory's: hidden, counted, and the next older ones fill the page.
      expect(page.messages.map(message => message.content)).toEqual(Array.from({ length: 10 }, (_, i) => `reply ${96 - i}`))
      expect(chat.unverified).toBe(3)
      expect(verify.mock.calls.length).toBeLessThanOrEqual(13 + 2) // the page, the forged, and the index's two activity entries
      const rest = await chat.history({ limit: 200, before: page.cursor! })
      expect(rest.messages).toHaveLength(88)
      expect(rest.messages.at(-1)?.content).toBe('the oldest')
      expect(rest.cursor).toBeNull()
    } finally {
      verify.mockRestore()
    }
  })
})

describe('the conversation list', () => {
  it('shows a last message and unread count only from an activity entry its sender signed', async () => {
    const { ada, chat, doc } = await openAda()
    await chat.send('hello')
    publish(doc(profileRoom(bob.user_id)), bob, 'Bob')
    const room = conversationRoom(chat.ref)
    const index = doc(room)
    const summary = () => ada.conversations().find(entry => entry.room === room)
    await until('one’s own message in the list', () => summary()?.last?.preview === 'hello')

    const entry = (preview: string) => ({
      sender_id: bob.user_id,
      count: 3,
      last: { message_id: randomId(), sender_id: bob.user_id, created_at: '2099-01-01T00:00:00.000Z', preview, deleted: false } // newer than Ada's
    })
    const stored = async (unsigned: ReturnType<typeof entry>, signer: Identity, signedRoom = room) => ({
      count: unsigned.count,
      last: { message_id: unsigned.last.message_id, created_at: unsigned.last.created_at, preview: unsigned.last.preview, deleted: false },
      signature: await signActivity(signer, signedRoom, unsigned)
    })
    const setEntry = (value: unknown) => fromRelay(index, copy => conversationActivity(copy).set(bob.user_id, value))

    // Forged: signed by Mallory, or Bob's entry for another conversation.
    setEntry(await stored(entry('send me your password'), mallory))
    setEntry(await stored(entry('copied from elsewhere'), bob, conversationRoom(directConversation(bob.user_id, randomId()))))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(summary()).toMatchObject({ unread: 0, last: { preview: 'hello' } })

    setEntry(await stored(entry('genuinely Bob'), bob))
    await until('Bob’s entry in the list', () => summary()?.last?.preview === 'genuinely Bob')
    expect(summary()?.unread).toBe(3)
  })
})
