// Storage in IndexedDB through y-indexeddb: one database per room, under a per-identity prefix.
import type * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Storage } from './transport'

/**
 * `prefix` keeps apart what different identities (or relays) store in one browser,
 * e.g. `parley/<user_id>/`.
 */
export const indexeddbStorage = ({ prefix }: { prefix: string }): Storage => ({
  persist: (room: string, doc: Y.Doc) => {
    const persistence = new IndexeddbPersistence(prefix + room, doc)
    return {
      loaded: persistence.whenSynced.then(() => {}),
      destroy: () => persistence.destroy()
    }
  }
})
