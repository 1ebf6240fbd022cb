// The crafted map entry is the very update Yjs makes for it, and reads back as the entry.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mapEntryUpdate } from './crafted-update'
import { fillerProfile } from './directory-people'

const yjsUpdate = (root: string, key: string, value: unknown, client: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.clientID = client
  doc.getMap(root).set(key, value)
  return Y.encodeStateAsUpdate(doc)
}

describe('mapEntryUpdate', () => {
  it("is Yjs's own update for one map entry, byte for byte, whatever the client id and the script of the value", () => {
    for (const [i, client] of [[0, 1], [70, 2 ** 31 + 5], [99, 4_294_967_295]] as const) {
      const profile = { ...fillerProfile(i), name: ['Maria Garcia', 'Анна Петрова', '王伟'][i % 3]! }
      expect(mapEntryUpdate('profile', profile.user_id, profile, client)).toEqual(yjsUpdate('profile', profile.user_id, profile, client))
    }
    const group = { group_id: 'G'.repeat(22), name: 'g', user_ids: ['a', 'b'], admin_ids: ['a'], created_by: 'a', created_at: 't', updated_at: 't', deleted_at: null }
    expect(mapEntryUpdate('group', group.group_id, group, 7)).toEqual(yjsUpdate('group', group.group_id, group, 7))
  })

  it('reads back as the entry', () => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, mapEntryUpdate('profile', 'k', { a: 1, b: [null, 'x'] }, 42))
    expect(doc.getMap('profile').toJSON()).toEqual({ k: { a: 1, b: [null, 'x'] } })
    expect([...doc.store.clients.keys()]).toEqual([42])
  })
})
