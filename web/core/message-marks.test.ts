// Marks on the log's messages: sending (pending) and just arrived from others, over real offline clients.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { bucketRoom, profileRoom, conversationRoom, directConversation, type Conversation, type Message, type ParleyClient } from '../../client'
import { openOfflineClient } from '../../client/testing/offline-testing'
import { Arrivals, pendingIds } from './message-marks'

const clients: ParleyClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(client => client.close()))
})

const open = async () => {
  const opened = await openOfflineClient()
  clients.push(opened.client)
  return opened
}

/** Ada and Bob in their direct conversation; `deliver` brings Bob's writes to Ada as a relay would. */
const openPair = async () => {
  const ada = await open()
  const bob = await open()
  const ref = directConversation(ada.client.me.user_id, bob.client.me.user_id)
  const adaChat = await ada.client.openDirect(bob.client.me.user_id)
  const bobChat = await bob.client.openDirect(ada.client.me.user_id)
  // Bob's profile carries the key his messages are verified with: it reaches Ada's copy of his profile room.
  bob.client.setProfile({ name: 'Bob' })
  const bobProfile = profileRoom(bob.client.me.user_id)
  await ada.client.lookUp(bob.client.me.user_id)
  Y.applyUpdate(ada.doc(bobProfile), Y.encodeStateAsUpdate(bob.doc(bobProfile)))
  const deliver = () => {
    for (const room of [conversationRoom(ref), bucketRoom(ref, 0)]) Y.applyUpdate(ada.doc(room), Y.encodeStateAsUpdate(bob.doc(room)))
  }
  return { ada: ada.client, adaChat, bobChat, deliver }
}

const read = async (chat: Conversation): Promise<Message[]> => (await chat.history({ limit: 100 })).messages.slice().reverse()
const contents = (messages: readonly Message[]): string[] => messages.map(message => message.content)

describe('pendingIds', () => {
  it('marks one\'s own messages no relay has written yet, and only those', async () => {
    const { adaChat, bobChat, deliver } = await openPair()
    await bobChat.send('from Bob')
    deliver()
    const mine = await adaChat.send('from Ada')
    const messages = await read(adaChat)
    expect(contents(messages)).toEqual(['from Bob', 'from Ada'])
    expect([...pendingIds(adaChat, messages)]).toEqual([mine.message_id])
  })
})

describe('Arrivals', () => {
  it('counts nothing on the first read: that history was there already', async () => {
    const { ada, adaChat, bobChat, deliver } = await openPair()
    await bobChat.send('before opening')
    deliver()
    const arrivals = new Arrivals(ada.me.user_id)
    expect(arrivals.sift(await read(adaChat))).toEqual([])
  })

  it('tells of others\' messages that come after, once each, never one\'s own', async () => {
    const { ada, adaChat, bobChat, deliver } = await openPair()
    await bobChat.send('before opening')
    deliver()
    const arrivals = new Arrivals(ada.me.user_id)
    arrivals.sift(await read(adaChat))
    await bobChat.send('hello Ada')
    await adaChat.send('hello Bob')
    deliver()
    expect(contents(arrivals.sift(await read(adaChat)))).toEqual(['hello Ada'])
    expect(arrivals.sift(await read(adaChat))).toEqual([])
    await bobChat.send('still there?')
    deliver()
    expect(contents(arrivals.sift(await read(adaChat)))).toEqual(['still there?'])
  })
})
