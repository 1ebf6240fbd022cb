// A message whose signature does not verify is never shown: the log says how many were hidden instead.
import { expect, test } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { ParleyClient } from '../../client/parley'
import { memoryStorage, type Storage } from '../../client/transport'
import { websocketNetwork } from '../../client/network/websocket-network'
import { createIdentity } from '../../shared/identity'
import { bucketRoom, directConversation } from '../../shared/protocol'
import { bucketMessages } from '../../shared/schema'
import type { Message } from '../../shared/model'
import { SYNC_TIMEOUT_MS, expectAbsentFor, expectMessage, expectStatus, openUser, useBrowserFixture } from './harness'
import { appUserId, openWidget, widgetUserId } from './widget-page'

const browsers = useBrowserFixture()

test('the app and the widget show Mallory’s genuine message, and only a notice for the one whose words were changed after signing', async () => {
  const relay = await browsers.relay()
  const alice = await browsers.joined(relay, 'Alice')

  // Mallory is a script on Node, holding a handle on each document it opens.
  const docs = new Map<string, Y.Doc>()
  const storage: Storage = { persist: (room, doc) => { docs.set(room, doc); return memoryStorage.persist(room, doc) } }
  const identity = await createIdentity()
  const mallory = await ParleyClient.open({
    identity,
    network: websocketNetwork({ url: relay.wsUrl, identity, WebSocket, broadcastChannel: false, maxBackoffMs: 300 }),
    storage
  })
  browsers.defer(() => mallory.close())
  mallory.setProfile({ name: 'Mallory' })
  /** A genuine message to `peerId`, then one whose words change after signing (as a compromised relay would do). */
  const writeTo = async (peerId: string): Promise<void> => {
    const chat = await mallory.openDirect(peerId)
    await chat.send('a genuine hello')
    const signed = await chat.send('what I signed')
    // The relay accepts the write, since its writer is the sender; only the signature gives it away.
    const bucket = docs.get(bucketRoom(directConversation(identity.user_id, peerId), 0))!
    bucketMessages(bucket).set(signed.message_id, { ...signed, content: 'words nobody signed' } satisfies Message)
    await expect.poll(() => mallory.undelivered(), { timeout: SYNC_TIMEOUT_MS }).toEqual([])
  }
  const notice = '1 message could not be verified and is hidden.'

  // Mallory knows Alice's id (as one is given an id to write to: nobody sees everyone on the relay).
  await writeTo(await appUserId(alice.page))
  await openUser(alice.page, 'Mallory')
  await expectMessage(alice.page, 'Mallory', 'a genuine hello')
  await alice.page.getByRole('status').filter({ hasText: notice }).waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  await expectAbsentFor(alice.page, ['words nobody signed', 'what I signed'], 500)

  // Carol, on a page embedding the widget, talks with Mallory.
  const carol = await browsers.person()
  const widget = await openWidget(carol, relay, { conversation: `user:${identity.user_id}`, name: 'Carol' })
  await expectStatus(widget, ['Connected'])
  await writeTo(await widgetUserId(widget))
  await expectMessage(widget, 'Mallory', 'a genuine hello')
  await widget.getByRole('status').filter({ hasText: notice }).waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  await expectAbsentFor(widget, ['words nobody signed', 'what I signed'], 500)
})
