// Runs in Chromium: seeds IndexedDB with stored updates fetched from the benchmark, then opens the newest page through Parley's own client modules or the naive log.
import { ParleyClient } from '../../client/parley'
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { offlineNetwork } from '../../client/transport'
import { fromBase64Url } from '../../shared/ids'
import { identityFromKeys } from '../../shared/identity'
import { naiveNewest, openNaive } from './client-naive'
import { whenKnown } from './client-known'
import { seedIndexeddb } from './client-storage'

/** What the page reports of one opening: the time, and what it got, for the benchmark to check. */
export interface PageOpening {
  ms: number
  count: number
  newestId: string | null
  unverified: number
}

export interface PageApi {
  /** Stores `rooms` (room name → URL of its stored update) under `prefix`, as y-indexeddb would. */
  seed(prefix: string, rooms: Record<string, string>): Promise<void>
  openParley(options: { prefix: string; pkcs8: string; publicKey: string; other: string; limit: number }): Promise<PageOpening>
  openNaive(options: { name: string; keys: Array<[string, string]>; limit: number }): Promise<PageOpening>
  deleteDatabases(prefix: string): Promise<void>
}

const ALGORITHM = { name: 'Ed25519' } as const

const api: PageApi = {
  async seed (prefix, rooms) {
    const updates = new Map<string, Uint8Array>()
    for (const [room, url] of Object.entries(rooms)) updates.set(room, new Uint8Array(await (await fetch(url)).arrayBuffer()))
    await seedIndexeddb(prefix, updates)
  },

  /** As the app opens a conversation: the client already running with its contact's profile loaded (outside the time), then the conversation and its newest page. */
  async openParley ({ prefix, pkcs8, publicKey, other, limit }) {
    const keys: CryptoKeyPair = {
      privateKey: await crypto.subtle.importKey('pkcs8', fromBase64Url(pkcs8) as BufferSource, ALGORITHM, false, ['sign']),
      publicKey: await crypto.subtle.importKey('raw', fromBase64Url(publicKey) as BufferSource, ALGORITHM, true, ['verify'])
    }
    const identity = await identityFromKeys(keys)
    const client = await ParleyClient.open({ identity, network: offlineNetwork, storage: indexeddbStorage({ prefix }) })
    try {
      await whenKnown(client, other)
      const start = performance.now()
      const conversation = await client.openDirect(other)
      const page = await conversation.history({ limit })
      const ms = performance.now() - start
      return { ms, count: page.messages.length, newestId: page.messages[0]?.message_id ?? null, unverified: conversation.unverified }
    } finally {
      await client.close()
    }
  },

  async openNaive ({ name, keys, limit }) {
    const start = performance.now()
    const replica = await openNaive(name)
    try {
      const page = await naiveNewest(replica.doc, limit, new Map(keys))
      const ms = performance.now() - start
      return { ms, count: page.length, newestId: page[0]?.message_id ?? null, unverified: 0 }
    } finally {
      await replica.close()
    }
  },

  async deleteDatabases (prefix) {
    for (const info of await indexedDB.databases()) {
      if (!info.name?.startsWith(prefix)) continue
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(info.name!)
        request.onsuccess = () => resolve()
        request.onerror = () => reject(request.error)
      })
    }
  }
}

;(globalThis as unknown as { parleyBench: PageApi }).parleyBench = api
