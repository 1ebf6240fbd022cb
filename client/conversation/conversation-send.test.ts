// Sending: a message is in one's view at once, then signed and written with whatever else was sent meanwhile.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { verifyActivity } from '../../shared/activity-signature'
import { createIdentity, type Identity } from '../../shared/identity'
import { verifyMessage } from '../../shared/message-signature'
import { bucketRoom, conversationRoom } from '../../shared/protocol'
import { bucketMessages, conversationActivity, parseActivity } from '../../shared/schema'
import { UNSIGNED } from './outgoing'
import { ParleyClient } from '../parley'
import { openOfflineClient } from '../testing/offline-testing'

let bob: Identity
beforeAll(async () => { bob = await createIdentity() })

const clients: ParleyClient[] = []
afterEach(async () => { await Promise.all(clients.splice(0).map(client => client.close())) })

/** Ada, offline, with a handle on each of her documents by room. */
const openAda = async () => {
  const { client: ada, doc } = await openOfflineClient()
  clients.push(ada)
  const chat = await ada.openDirect(bob.user_id)
  return { ada, chat, doc }
}

/** Polls until `check` holds, failing after a second. */
const until = async (what: string, check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 1000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 1))
  }
}

describe('sending', () => {
  it('shows the message at once, pending, and resolves once it is signed and in the document', async () => {
    const { ada, chat, doc } = await openAda()
    await chat.send('first') // bucket 0 exists from here on
    const bucket = bucketMessages(doc(bucketRoom(chat.ref, 0)))
    let told = 0
    chat.subscribe(() => { told++ })

    const sending = chat.send('hello')
    expect(told).toBeGreaterThan(0)
    const shown = chat.history()
    const [newest] = (await shown).messages
    expect(newest).toMatchObject({ content: 'hello', sender_id: ada.me.user_id, signature: UNSIGNED })
    expect(chat.isPending(newest!.message_id)).toBe(true)
    expect(bucket.has(newest!.message_id)).toBe(false)

    const sent = await sending
    expect(sent).toMatchObject({ message_id: newest!.message_id, content: 'hello', created_at: newest!.created_at })
    expect(bucket.get(sent.message_id)).toEqual(sent)
    expect(await verifyMessage(sent, ada.me.public_key)).toBe(true)
    expect((await chat.history()).messages.map(message => message.content)).toEqual(['hello', 'first'])
    expect((await chat.history()).messages[0]).toEqual(sent)
  })

  it('signs a burst of sends together, with one activity entry for them all', async () => {
    const { ada, chat, doc } = await openAda()
    await chat.send('first')
    const room = conversationRoom(chat.ref)
    const activityOf = () => parseActivity(conversationActivity(doc(room)).get(ada.me.user_id), ada.me.user_id)
    await until('the first activity entry', () => activityOf().ok)
    const sign = vi.spyOn(crypto.subtle, 'sign')
    let sent
    try {
      sent = await Promise.all(['one', 'two', 'three', 'four'].map(text => chat.send(text)))
      expect(sign).toHaveBeenCalledTimes(4 + 1)
    } finally {
      sign.mockRestore()
    }
    const activity = activityOf()
    expect(activity.ok && activity.value).toMatchObject({ count: 5, last: { message_id: sent[3]!.message_id, preview: 'four' } })
    expect(activity.ok && await verifyActivity(room, activity.value, ada.me.public_key)).toBe(true)
    expect((await chat.history()).messages.map(message => message.content)).toEqual(['four', 'three', 'two', 'one', 'first'])
  })

  it('writes what was already sent, and its activity entry, before it closes', async () => {
    const { ada, chat, doc } = await openAda()
    const sending = chat.send('just before closing')
    const index = conversationActivity(doc(conversationRoom(chat.ref)))
    await chat.close()
    expect(await sending).toMatchObject({ content: 'just before closing' })
    expect(index.get(ada.me.user_id)).toMatchObject({ count: 1, last: { preview: 'just before closing' } })
  })
})
