// Opening a seeded conversation's newest page, in Parley and in the naive layout, from IndexedDB or from the relay; each returns the milliseconds it took.
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Relay } from '../../relay/server'
import { ParleyClient } from '../../client/parley'
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { offlineNetwork, type Network } from '../../client/transport'
import { profileRoom } from '../../shared/protocol'
import type { Message } from '../../shared/model'
import { naiveNewest, openNaive } from './client-naive'
import { benchNetwork } from './client-relay'
import { whenKnown } from './client-known'
import type { ChatSeed } from './client-seed'

export const PAGE = 50

/** Throws unless `messages` is the newest page of `seed`, newest first. */
export const assertNewestPage = (seed: ChatSeed, messages: readonly Message[]): void => {
  if (messages.length !== PAGE || messages[0]?.message_id !== seed.newest.message_id) {
    throw new Error(`expected the newest ${PAGE} messages, got ${messages.length} (newest ${messages[0]?.message_id ?? 'none'})`)
  }
}

/**
 * Parley, as the app opens a conversation: Bob's client already running (his contacts' profiles
 * loaded, so senders' keys known), then the timed part: open the conversation (its index and
 * newest bucket) and read the newest page (which waits for the bucket's signatures to be checked).
 */
export const openParley = async (seed: ChatSeed, network: Network, prefix: string, beforeTiming?: (client: ParleyClient) => Promise<void>): Promise<number> => {
  const { chat } = seed
  const client = await ParleyClient.open({ identity: chat.bob, network, storage: indexeddbStorage({ prefix }), syncWaitMs: 30_000 })
  try {
    await beforeTiming?.(client)
    await whenKnown(client, chat.alice.user_id)
    const start = performance.now()
    const conversation = await client.openDirect(chat.alice.user_id)
    const page = await conversation.history({ limit: PAGE })
    const elapsed = performance.now() - start
    assertNewestPage(seed, page.messages)
    if (conversation.unverified !== 0) throw new Error(`${conversation.unverified} messages failed their signature check: the seed's unsigned filler was loaded`)
    return elapsed
  } finally {
    await client.close()
  }
}

/** Parley from this device's IndexedDB (seeded under `prefix`), offline. */
export const openParleyLocal = (seed: ChatSeed, prefix: string): Promise<number> => openParley(seed, offlineNetwork, prefix)

/** Parley from the relay into an empty cache (a fresh IndexedDB prefix), the client connected, its own rooms and contacts' profiles synced first. */
export const openParleyFromRelay = (seed: ChatSeed, relay: Relay, prefix: string): Promise<number> =>
  openParley(seed, benchNetwork(relay, seed.chat.bob), prefix, async client => {
    if (!await client.whenSynced(30_000)) throw new Error('the own rooms did not sync')
  })

/** The naive log from IndexedDB: load the whole document, then read and check the newest page. */
export const openNaiveLocal = async (seed: ChatSeed, name: string): Promise<number> => {
  const start = performance.now()
  const replica = await openNaive(name)
  try {
    const page = await naiveNewest(replica.doc, PAGE, seed.chat.keys)
    const elapsed = performance.now() - start
    assertNewestPage(seed, page)
    return elapsed
  } finally {
    await replica.close()
  }
}

/**
 * The naive log from the relay (its room `room`) into an empty cache (IndexedDB `name`), on a
 * socket already open (as Parley's is: its own rooms are synced before timing; here the reader's
 * profile room keeps the socket open).
 */
export const openNaiveFromRelay = async (seed: ChatSeed, relay: Relay, room: string, name: string): Promise<number> => {
  const network = benchNetwork(relay, seed.chat.bob)
  const profile = new Y.Doc()
  const profileLink = network.connect(profileRoom(seed.chat.bob.user_id), profile)
  const doc = new Y.Doc()
  let persistence: IndexeddbPersistence | null = null
  let link: ReturnType<Network['connect']> | null = null
  try {
    if (!await profileLink.whenSynced(30_000)) throw new Error('the profile room did not sync')
    const start = performance.now()
    persistence = new IndexeddbPersistence(name, doc)
    await persistence.whenSynced
    link = network.connect(room, doc)
    if (!await link.whenSynced(60_000)) throw new Error('the naive log did not sync')
    const page = await naiveNewest(doc, PAGE, seed.chat.keys)
    const elapsed = performance.now() - start
    assertNewestPage(seed, page)
    return elapsed
  } finally {
    link?.destroy()
    profileLink.destroy()
    await persistence?.destroy()
    doc.destroy()
    profile.destroy()
  }
}
