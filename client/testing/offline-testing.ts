// Test support: a client that is offline, keeping its documents in memory, with a handle on each of them by room.
import type * as Y from 'yjs'
import { createIdentity, type Identity } from '../../shared/identity'
import { ParleyClient } from '../parley'
import { memoryStorage, offlineNetwork, type Storage } from '../transport'

export const openOfflineClient = async (identity?: Identity): Promise<{ client: ParleyClient; doc(room: string): Y.Doc }> => {
  const docs = new Map<string, Y.Doc>()
  const storage: Storage = {
    persist: (room, doc) => {
      docs.set(room, doc)
      return memoryStorage.persist(room, doc)
    }
  }
  const client = await ParleyClient.open({ identity: identity ?? await createIdentity(), network: offlineNetwork, storage })
  const doc = (room: string): Y.Doc => {
    const found = docs.get(room)
    if (!found) throw new Error(`no document for ${room}`)
    return found
  }
  return { client, doc }
}
