import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Replica } from './replica'
import { offlineNetwork, type Network, type Storage } from './transport'

/** Storage whose copy of every room holds one entry, loaded a turn later (as IndexedDB would). */
const storedEntry: Storage = {
  persist: (_room, doc) => ({
    loaded: new Promise(resolve => setTimeout(() => {
      doc.getMap('m').set('stored', 'here')
      resolve()
    }, 5)),
    replace: async () => {},
    destroy: async () => {}
  })
}

describe('Replica.open', () => {
  it('connects only once the local copy is loaded, so the sync starts from what this device holds', async () => {
    const seenAtConnect: unknown[] = []
    const network: Network = {
      ...offlineNetwork,
      connect: (room, doc, awareness) => {
        seenAtConnect.push(doc.getMap('m').get('stored'))
        return offlineNetwork.connect(room, doc, awareness)
      }
    }
    const replica = await Replica.open({ network, storage: storedEntry, relayReachable: () => false, syncWaitMs: 0 }, 'room')
    expect(seenAtConnect).toEqual(['here'])
    await replica.destroy()
  })

  it('does not connect when the local copy fails to load, and lets the document go', async () => {
    let connects = 0
    const network: Network = { ...offlineNetwork, connect: (...args) => { connects += 1; return offlineNetwork.connect(...args) } }
    let destroyed = false
    const storage: Storage = { persist: () => ({ loaded: Promise.reject(new Error('blocked')), replace: async () => {}, destroy: async () => { destroyed = true } }) }
    const doc = new Y.Doc()
    await expect(Replica.open({ network, storage, relayReachable: () => false, syncWaitMs: 0 }, 'room', undefined, doc)).rejects.toThrow('blocked')
    expect(connects).toBe(0)
    expect(destroyed).toBe(true)
    expect(doc.isDestroyed).toBe(true)
  })
})
