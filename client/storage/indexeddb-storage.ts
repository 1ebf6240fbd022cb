// Storage in IndexedDB: one database per room (y-indexeddb's layout), under a per-identity prefix.
import type * as Y from 'yjs'
import { IndexeddbCopy } from './indexeddb-copy'
import { LocalCopyError, type Storage } from '../transport'

/**
 * `prefix` keeps apart what different identities (or relays) store in one browser,
 * e.g. `parley/<user_id>/`.
 */
export const indexeddbStorage = ({ prefix }: { prefix: string }): Storage => ({
  persist: (room: string, doc: Y.Doc) => {
    const copy = new IndexeddbCopy(prefix + room, doc)
    return {
      loaded: copy.loaded.catch(error => { throw new LocalCopyError(room, { cause: error }) }),
      replace: (next: Y.Doc) => copy.replace(next),
      destroy: () => copy.destroy()
    }
  }
})
