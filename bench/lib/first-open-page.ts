// Runs in Chromium: a new device opening Parley (its client modules, real IndexedDB and WebSocket) until its sidebar's data is complete, and v1's directory download.
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { memoryStorage } from '../../client/transport'
import { fromBase64Url } from '../../shared/ids'
import { identityFromKeys } from '../../shared/identity'
import { deleteDatabases } from './client-storage'
import { downloadV1Directory, openSidebar, type DirectoryDownload, type SidebarExpected, type SidebarOpening } from './first-open-client'

export interface FirstOpenPageApi {
  /** Opens as the person whose keys these are, with nothing stored under `prefix`; the client stays open until release(). */
  openV2(options: { url: string; pkcs8: string; publicKey: string; prefix: string; expected: SidebarExpected; timeoutMs: number; inMemory?: boolean }): Promise<SidebarOpening>
  /** Downloads and applies v1's directory; the document is kept until release(). */
  openV1(options: { url: string; timeoutMs: number }): Promise<DirectoryDownload>
  /** Lets go of what the last opening holds (closes the client, destroys the document). */
  release(): Promise<void>
  deleteDatabases(prefix: string): Promise<void>
}

const ALGORITHM = { name: 'Ed25519' } as const

let held: (() => Promise<void>) | null = null

const api: FirstOpenPageApi = {
  async openV2 ({ url, pkcs8, publicKey, prefix, expected, timeoutMs, inMemory = false }) {
    const keys: CryptoKeyPair = {
      privateKey: await crypto.subtle.importKey('pkcs8', fromBase64Url(pkcs8) as BufferSource, ALGORITHM, false, ['sign']),
      publicKey: await crypto.subtle.importKey('raw', fromBase64Url(publicKey) as BufferSource, ALGORITHM, true, ['verify'])
    }
    const identity = await identityFromKeys(keys)
    const { opening, client } = await openSidebar({ url, identity, storage: inMemory ? memoryStorage : indexeddbStorage({ prefix }), WebSocket, expected, timeoutMs })
    held = () => client.close()
    return opening
  },

  async openV1 ({ url, timeoutMs }) {
    const { download, doc } = await downloadV1Directory(url, WebSocket, timeoutMs)
    held = async () => doc.destroy()
    return download
  },

  async release () {
    const release = held
    held = null
    await release?.()
  },

  deleteDatabases
}

;(globalThis as unknown as { parleyBench: FirstOpenPageApi }).parleyBench = api
