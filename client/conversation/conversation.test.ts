// Conversations without a relay: sending, editing, deleting, paging across buckets, convergence over an in-memory hub, junk.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ParleyError } from '../../shared/errors'
import { createIdentity, type Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { signMessage, type UnsignedMessage } from '../../shared/message-signature'
import { LIMITS, type Message } from '../../shared/model'
import { peerOrigin } from '../../shared/origin'
import { BUCKET_CAPACITY, bucketRoom, conversationRoom, directConversation, groupConversation, profileRoom, userRoom } from '../../shared/protocol'
import { bucketMessages, conversationBuckets, profileRecord, userConversations } from '../../shared/schema'
import { timestamp, type Clock } from '../../shared/time'
import type { Conversation, ConversationChange } from './conversation'
import { compareMessages, type Cursor } from './history'
import { ParleyClient, type ParleyOptions } from '../parley'
import { openOfflineClient } from '../testing/offline-testing'
import { memoryStorage, offlineNetwork, type Storage } from '../transport'
import { Hub } from '../testing/hub-testing'

// --- fixtures -----------------------------------------------------------------

/** Storage that keeps nothing but remembers, in order, which rooms were opened and their docs. */
const recordingStorage = () => {
  const rooms: string[] = []
  const docs = new Map<string, Y.Doc>()
  const storage: Storage = {
    persist: (room, doc) => {
      rooms.push(room)
      docs.set(room, doc)
      return memoryStorage.persist(room, doc)
    }
  }
  return { storage, rooms, docs }
}

/** A clock the test sets by hand: every reading until the next `set` is the same instant. */
const manualClock = (start = '2024-05-01T12:00:00.000Z') => {
  let now = Date.parse(start)
  const clock: Clock = () => new Date(now)
  return { clock, advance: (ms: number) => { now += ms } }
}

const clients: ParleyClient[] = []
afterEach(async () => { await Promise.all(clients.splice(0).map(client => client.close())) })

const openClient = async (options: Partial<ParleyOptions> = {}): Promise<ParleyClient> => {
  const client = await ParleyClient.open({
    identity: options.identity ?? await createIdentity(),
    network: offlineNetwork,
    storage: memoryStorage,
    ...options
  })
  clients.push(client)
  // A published profile, so that others can verify this client's signatures.
  client.setProfile({ name: 'Someone' })
  return client
}

/** Every message of a conversation, newest first, by following history cursors to the start. */
const walk = async (conversation: Conversation, limit: number): Promise<Message[]> => {
  const all: Message[] = []
  let before: Cursor | undefined
  for (;;) {
    const page = await conversation.history({ limit, before })
    expect(page.messages.length).toBeLessThanOrEqual(limit)
    all.push(...page.messages)
    if (page.cursor === null) return all
    expect(all.length).toBeLessThan(100_000)
    before = page.cursor
  }
}

const everything = async (conversation: Conversation): Promise<Message[]> =>
  (await conversation.history({ limit: 100_000 })).messages

const reason = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => 'resolved', (error: unknown) => error instanceof ParleyError ? error.reason : error)

/** Waits until pending loads (of buckets another writer started) have settled. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0))

/**
 * What the relay does once a group exists (relay/writes/group-announcer.ts), which the hub does
 * not: lists the group in each member's own room, where their client learns of it.
 */
const announceGroup = async (hub: Hub, group_id: string, members: readonly ParleyClient[]): Promise<void> => {
  const room = conversationRoom(groupConversation(group_id))
  for (const member of members) {
    const own = new Y.Doc()
    const link = hub.network().connect(userRoom(member.me.user_id), own)
    userConversations(own).set(room, { added_at: timestamp() })
    link.destroy()
    own.destroy()
  }
  for (let tries = 0; members.some(member => member.group(group_id) === null); tries++) {
    if (tries === 100) throw new Error('a member never saw the group')
    await settle()
  }
}

// --- tests --------------------------------------------------------------------

describe('one client, offline', () => {
  it('sends, edits and deletes its own messages', async () => {
    const bob: Identity = await createIdentity()
    const ada = await openClient()
    const chat = await ada.openDirect(bob.user_id)
    expect(await chat.history()).toEqual({ messages: [], buckets: [], cursor: null })

    const hello = await chat.send('hello')
    expect(hello).toMatchObject({ sender_id: ada.me.user_id, receiver_id: bob.user_id, group_id: null, content: 'hello', deleted_at: null })
    const second = await chat.send('second')

    const edited = await chat.edit(hello.message_id, 'hello, Bob')
    expect(edited).toMatchObject({ message_id: hello.message_id, content: 'hello, Bob', created_at: hello.created_at })
    expect(edited.updated_at > hello.updated_at).toBe(true)

    const deleted = await chat.delete(second.message_id)
    expect(deleted).toMatchObject({ content: '', created_at: second.created_at })
    expect(deleted.deleted_at).not.toBeNull()

    // A deleted message stays in the log, in its place, without content.
    expect((await chat.history()).messages).toEqual([deleted, edited])
    expect(await reason(chat.edit(second.message_id, 'undo'))).toBe('not-allowed')
    expect(await reason(chat.delete(second.message_id))).toBe('not-allowed')
    expect(await reason(chat.edit(randomId(), 'who?'))).toBe('not-found')
  })

  it('rejects empty and over-long content, writing nothing', async () => {
    const ada = await openClient()
    const chat = await ada.openDirect(randomId())
    for (const content of ['', '   \n', 'x'.repeat(LIMITS.contentLength + 1), 42 as unknown as string]) {
      expect(await reason(chat.send(content))).toBe('invalid-input')
    }
    expect((await chat.history()).messages).toEqual([])

    const kept = await chat.send('x'.repeat(LIMITS.contentLength))
    expect(await reason(chat.edit(kept.message_id, ' '))).toBe('invalid-input')
    expect(await reason(chat.edit(kept.message_id, 'y'.repeat(LIMITS.contentLength + 1)))).toBe('invalid-input')
    expect((await chat.history()).messages).toEqual([kept])
    expect(await reason(chat.history({ limit: 0 }))).toBe('invalid-input')
    expect(await reason(chat.history({ limit: 2.5 }))).toBe('invalid-input')
  })

  it('refuses to be used once closed', async () => {
    const ada = await openClient()
    const chat = await ada.openDirect(randomId())
    await chat.close()
    expect(await reason(chat.send('late'))).toBe('closed')
    expect(await reason(chat.history())).toBe('closed')
  })

  it('skips and counts junk written into its documents, and never returns it', async () => {
    const [bob, cy] = await Promise.all([createIdentity(), createIdentity()])
    const recorder = recordingStorage()
    const ada = await openClient({ storage: recorder.storage })
    const chat = await ada.openDirect(bob.user_id)
    const hello = await chat.send('hello')
    const ref = directConversation(ada.me.user_id, bob.user_id)
    const messages = bucketMessages(recorder.docs.get(bucketRoom(ref, 0))!)
    const now = new Date().toISOString()
    // Bob's profile reaches Ada's copy of his profile room, so his signatures can be checked.
    expect(await ada.lookUp(bob.user_id)).toBeNull()
    profileRecord(recorder.docs.get(profileRoom(bob.user_id))!).set(bob.user_id, {
      user_id: bob.user_id, name: 'Bob', public_key: bob.public_key, created_at: now, updated_at: now, deleted_at: null
    })
    const fromBob = async (overrides: Partial<UnsignedMessage> = {}): Promise<Message> => {
      const unsigned: UnsignedMessage = {
        message_id: randomId(), sender_id: bob.user_id, receiver_id: ada.me.user_id, group_id: null,
        content: 'from Bob', created_at: now, updated_at: now, deleted_at: null, ...overrides
      }
      return { ...unsigned, signature: await signMessage(bob, unsigned) }
    }
    const reply = await fromBob({ content: 'a genuine reply' })
    const junk: Array<[string, unknown]> = [
      [randomId(), 42],
      [randomId(), { hello: 'world' }],
      [randomId(), 'a string'],
      // Valid messages, but of other conversations.
      ...(await Promise.all([fromBob({ receiver_id: null, group_id: randomId() }), fromBob({ sender_id: cy.user_id }),
        fromBob({ receiver_id: cy.user_id }), fromBob({ sender_id: ada.me.user_id })]))
        .map(message => [message.message_id, message] as [string, unknown]),
      [randomId(), { ...await fromBob(), content: 'x'.repeat(LIMITS.contentLength + 1) }],
      [randomId(), { ...await fromBob(), signature: 'not a signature' }],
      [randomId(), hello] // a copy of Ada's message under another key
    ]
    messages.doc!.transact(() => {
      for (const [key, value] of junk) messages.set(key, value)
      messages.set(reply.message_id, reply)
    }, peerOrigin('hostile'))
    conversationBuckets(recorder.docs.get(conversationRoom(ref))!).set('not-a-bucket', { created_at: now })

    expect(chat.skipped).toBe(junk.length + 1)
    const shown = (await chat.history()).messages
    expect(shown.map(message => message.content).sort()).toEqual(['a genuine reply', 'hello'])
    expect(shown.map(message => message.message_id)).not.toContain(junk[3]![0])
    // The junk does not stop the conversation from working.
    await chat.send('still fine')
    expect((await chat.history()).messages).toHaveLength(3)
  })
})

describe('history across buckets', () => {
  it('pages newest first through every bucket, each message exactly once, loading only the newest bucket on open', async () => {
    const hub = new Hub()
    const adaClock = manualClock()
    const bobClock = manualClock()
    const ada = await openClient({ network: hub.network(), clock: adaClock.clock })
    const bob = await openClient({ network: hub.network(), clock: bobClock.clock })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)

    // Ada and Bob take turns; both clocks stand still for five turns, then jump, so their
    // messages tie in pairs on created_at (each client's own clock still never repeats).
    // The jumps fall on the bucket boundaries (turns 500 and 1000), so history order (bucket,
    // then time) is also plain time order here and can be checked against a sort by time.
    const sent: Message[] = []
    const total = BUCKET_CAPACITY * 2.5
    for (let turn = 0; sent.length < total; turn++) {
      if (turn % 5 === 0) { adaClock.advance(1000); bobClock.advance(1000) }
      sent.push(await adaSide.send(`ada ${turn}`))
      sent.push(await bobSide.send(`bob ${turn}`))
    }
    expect(new Set(sent.map(message => message.created_at)).size).toBeLessThan(sent.length * 0.6)
    const expected = [...sent].sort(compareMessages).reverse().map(message => message.message_id)

    // Ada on a second device opens the conversation: the index and the newest bucket only.
    const recorder = recordingStorage()
    const reader = await openClient({ identity: ada.me, network: hub.network(), storage: recorder.storage })
    const ref = directConversation(ada.me.user_id, bob.me.user_id)
    const chat = await reader.openDirect(bob.me.user_id)
    expect(chat.head).toBe(2)
    // Besides one's profile and one's own room: this conversation's index (opened once, shared
    // by the conversation list and the open conversation) and its newest bucket.
    const conversationRooms = () => recorder.rooms.filter(room => room.startsWith(conversationRoom(ref)))
    expect(recorder.rooms.slice(0, 2)).toEqual([profileRoom(ada.me.user_id), userRoom(ada.me.user_id)])
    expect(conversationRooms()).toEqual([conversationRoom(ref), bucketRoom(ref, 2)])
    const firstPage = await chat.history({ limit: 50 })
    expect(firstPage.messages.map(message => message.message_id)).toEqual(expected.slice(0, 50))
    expect(conversationRooms()).toHaveLength(2)

    // Walking to the start loads older buckets one at a time, newest first.
    const walked = await walk(chat, 70)
    expect(walked.map(message => message.message_id)).toEqual(expected)
    expect(walked.map(message => message.content)).toEqual(walked.map(message => sent.find(s => s.message_id === message.message_id)!.content))
    expect(conversationRooms().slice(2)).toEqual([bucketRoom(ref, 1), bucketRoom(ref, 0)])
    expect([0, 1, 2].map(bucket => bucketMessages(recorder.docs.get(bucketRoom(ref, bucket))!).size))
      .toEqual([BUCKET_CAPACITY, BUCKET_CAPACITY, BUCKET_CAPACITY / 2])
  })
})

describe('history with buckets that arrive out of step', () => {
  it('loads buckets that appeared while a reader was offline, leaving no hole in the walk', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network() })
    const bob = await openClient({ network: hub.network() })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    await adaSide.send('first') // bucket 0, loaded on both sides
    bob.setOnline(false)
    const total = BUCKET_CAPACITY * 2 + 10
    for (let i = 1; i < total; i++) await adaSide.send(`m${i}`) // buckets 1 and 2
    bob.setOnline(true)
    await settle()
    const walked = await walk(bobSide, 100)
    expect(walked).toHaveLength(total)
    expect(new Set(walked.map(message => message.message_id)).size).toBe(total)
  })

  it('keeps a newer message written into an older bucket (a fast clock) in the walk, with its bucket', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network(), clock: manualClock('2024-05-01T12:00:00.000Z').clock })
    const bob = await openClient({ network: hub.network(), clock: manualClock('2024-05-01T13:00:00.000Z').clock })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    for (let i = 0; i < BUCKET_CAPACITY - 1; i++) await adaSide.send(`a${i}`)
    const skewed = await bobSide.send('clock an hour ahead') // the last entry of bucket 0
    for (let i = 0; i < 200; i++) await adaSide.send(`b${i}`) // bucket 1, all "older" than Bob's
    const reader = await openClient({ identity: ada.me, network: hub.network() })
    const chat = await reader.openDirect(bob.me.user_id)
    const walked = await walk(chat, 50)
    expect(walked).toHaveLength(BUCKET_CAPACITY + 200)
    // Newest first: bucket 1's 200 messages, then Bob's, at the top of bucket 0.
    expect(walked[200]!.message_id).toBe(skewed.message_id)
  })

  it('ignores a forged index entry far ahead instead of opening every room below it', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network() })
    const bobId = randomId()
    const chat = await ada.openDirect(bobId)
    await chat.send('hi')
    const hostile = new Y.Doc()
    hub.network().connect(conversationRoom(chat.ref), hostile)
    conversationBuckets(hostile).set('300', { created_at: new Date().toISOString() })

    const recorder = recordingStorage()
    const reader = await openClient({ identity: ada.me, network: hub.network(), storage: recorder.storage })
    const fresh = await reader.openDirect(bobId)
    expect(fresh.head).toBe(0)
    const page = await fresh.history({ limit: 10 })
    expect(page.messages.map(message => message.content)).toEqual(['hi'])
    expect(recorder.rooms.filter(room => room.startsWith(conversationRoom(chat.ref) + '/'))).toEqual([bucketRoom(chat.ref, 0)])
  })
})

describe('several clients over the hub', () => {
  it('lets only the sender edit or delete a message', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network() })
    const bob = await openClient({ network: hub.network() })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    const hello = await adaSide.send('hello')
    expect((await bobSide.history()).messages).toEqual([hello])

    expect(await reason(bobSide.edit(hello.message_id, 'forged'))).toBe('not-allowed')
    expect(await reason(bobSide.delete(hello.message_id))).toBe('not-allowed')
    expect((await adaSide.history()).messages).toEqual([hello])
    expect((await bobSide.history()).messages).toEqual([hello])

    const edited = await adaSide.edit(hello.message_id, 'hello, Bob')
    expect((await bobSide.history()).messages).toEqual([edited])
  })

  it('converges on the same history for the two people of a direct conversation', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network() })
    const bob = await openClient({ network: hub.network() })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    for (let i = 0; i < 10; i++) await (i % 3 === 0 ? bobSide : adaSide).send(`message ${i}`)
    const adaHistory = await everything(adaSide)
    expect(adaHistory).toHaveLength(10)
    expect(await everything(bobSide)).toEqual(adaHistory)
  })

  it('converges for three group members, including what one wrote while offline', async () => {
    const hub = new Hub()
    // One clock for all three, a second further on for each write, so the expected order is certain.
    const time = manualClock()
    const tick = () => time.advance(1000)
    const [ada, bob, cy] = await Promise.all([0, 1, 2].map(() => openClient({ network: hub.network(), clock: time.clock })))
    const group = await ada!.createGroup({ name: 'Trio', user_ids: [bob!.me.user_id, cy!.me.user_id] })
    await announceGroup(hub, group.group_id, [bob!, cy!])
    const [adaSide, bobSide, cySide] = await Promise.all([ada!, bob!, cy!].map(client => client.openGroup(group.group_id)))

    tick()
    const first = await adaSide!.send('before the outage')
    tick()
    const cyEarly = await cySide!.send('cy, still online')
    cy!.setOnline(false)
    expect(cy!.status).toBe('offline')

    tick()
    await bobSide!.send('bob, while cy is away')
    tick()
    await adaSide!.edit(first.message_id, 'before the outage (edited)')
    tick()
    const cyOffline = await cySide!.send('cy, offline')
    tick()
    await cySide!.delete(cyEarly.message_id)

    // Apart, each side sees only its own writes.
    const ids = async (side: Conversation) => (await everything(side)).map(message => message.message_id)
    expect(await ids(adaSide!)).not.toContain(cyOffline.message_id)
    expect((await everything(cySide!)).map(message => message.content)).toEqual(['cy, offline', '', 'before the outage'])

    cy!.setOnline(true)
    expect(cy!.status).toBe('connected')
    await settle()
    const adaHistory = await everything(adaSide!)
    expect(adaHistory.map(message => message.content)).toEqual(['cy, offline', 'bob, while cy is away', '', 'before the outage (edited)'])
    expect(await everything(bobSide!)).toEqual(adaHistory)
    expect(await everything(cySide!)).toEqual(adaHistory)

    // And they keep talking once together again.
    tick()
    await cySide!.send('back')
    for (const side of [adaSide!, bobSide!, cySide!]) expect((await side.history({ limit: 1 })).messages[0]?.content).toBe('back')
  })
})

describe('what subscribers are told', () => {
  /** Every change told to a conversation's subscribers, from now on. */
  const record = (conversation: Conversation): ConversationChange[] => {
    const told: ConversationChange[] = []
    conversation.subscribe(change => { told.push(change) })
    return told
  }
  const ids = (told: readonly ConversationChange[], kind: 'added' | 'changed' | 'removed', bucket = 0): string[] =>
    told.flatMap(change => change.messages.filter(changes => changes.bucket === bucket).flatMap(changes => changes[kind]))

  it('names a received message as added to its bucket, an edit and a delete as changed, and hands out their shown versions', async () => {
    const hub = new Hub()
    const ada = await openClient({ network: hub.network() })
    const bob = await openClient({ network: hub.network() })
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    await adaSide.send('first')
    await settle()
    const told = record(bobSide)

    const hello = await adaSide.send('hello')
    expect(ids(told, 'added')).toContain(hello.message_id)
    expect((await bobSide.versions(0, [hello.message_id])).get(hello.message_id)).toEqual(hello)

    const edited = await adaSide.edit(hello.message_id, 'hello, Bob')
    expect(ids(told, 'changed')).toContain(hello.message_id)
    expect((await bobSide.versions(0, [hello.message_id])).get(hello.message_id)).toEqual(edited)

    const deleted = await adaSide.delete(hello.message_id)
    expect((await bobSide.versions(0, [hello.message_id])).get(hello.message_id)).toEqual(deleted)
    expect(ids(told, 'removed')).toEqual([])
    // Others' messages are never pending: nothing about them is told as such.
    expect(told.flatMap(change => change.pending)).not.toContain(hello.message_id)
  })

  it('leaves out what `wanted` does not place, and gives null for a message gone from the history', async () => {
    const { client: ada, doc } = await openOfflineClient()
    clients.push(ada)
    const bob = await createIdentity()
    const chat = await ada.openDirect(bob.user_id)
    const [old, newer] = [await chat.send('old'), await chat.send('newer')]
    const told = record(chat)
    bucketMessages(doc(bucketRoom(chat.ref, 0))).set(old.message_id, { junk: true })
    expect(ids(told, 'removed')).toEqual([old.message_id])

    const versions = await chat.versions(0, [old.message_id, newer.message_id], cursor => cursor.message_id !== newer.message_id)
    expect([...versions]).toEqual([[old.message_id, null]])
  })

  it('keeps pending as a set: told when sent, and when the link hears the relay has it', async () => {
    const hub = new Hub()
    const network = hub.network()
    const ada = await openClient({ network })
    const chat = await ada.openDirect((await createIdentity()).user_id)
    await chat.send('first')
    const told = record(chat)

    const hello = await chat.send('hello')
    expect(chat.isPending(hello.message_id)).toBe(true)
    expect(told.flatMap(change => change.pending)).toContain(hello.message_id)

    told.length = 0
    const bucketLink = [...network.links].find(link => link.room === bucketRoom(chat.ref, 0))!
    bucketLink.acknowledgeAll()
    expect(chat.isPending(hello.message_id)).toBe(false)
    expect(told.flatMap(change => change.pending)).toEqual(expect.arrayContaining([hello.message_id]))
    // An edit is pending again until the relay has that version.
    const edited = await chat.edit(hello.message_id, 'hello again')
    expect(chat.isPending(edited.message_id)).toBe(true)
    bucketLink.acknowledgeAll()
    expect(chat.isPending(edited.message_id)).toBe(false)
  })
})
