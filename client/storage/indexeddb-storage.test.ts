// IndexedDB storage (fake-indexeddb in Node) runs the local storage conformance suite.
import * as idb from 'lib0/indexeddb'
import { indexeddbStorage } from './indexeddb-storage'
import { runLocalStorageConformance } from './storage-conformance'

let prefix = ''

runLocalStorageConformance('IndexedDB', {
  open: async () => indexeddbStorage({ prefix: prefix = `conformance/${Math.random()}/` }),
  reopen: async () => indexeddbStorage({ prefix }),
  // NOTE: tabs of one browser share the databases, and each copy appends under its own keys.
  concurrentCopies: true,
  corrupt: async room => {
    const database = await idb.openDB(prefix + room, () => {})
    const [updates] = idb.transact(database, ['updates'])
    await idb.addAutoKey(updates!, new TextEncoder().encode('not a yjs update') as unknown as ArrayBuffer)
    database.close()
  }
})
