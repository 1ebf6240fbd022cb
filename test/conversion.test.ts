// A relay started on a data directory written by the v1 relay moves every profile and every group into its own room.
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { importIdentity } from '../shared/identity-backup'
import { parseGroup, parseUser } from '../shared/model'
import { conversationRoom, groupConversation, profileRoom, userRoom } from '../shared/protocol'
import { groupRecord, profileRecord, userConversations } from '../shared/schema'
import { relayDoc } from './hand-socket'
import { Fixture, contents, waitFor } from './helpers'
import manifest from './fixtures/relay-v1/manifest.json'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

const FIXTURE_DATA = join(import.meta.dirname, 'fixtures/relay-v1/data')

/** A copy of the v1 data directory (opening one rewrites it). */
const v1DataDir = async (): Promise<string> => {
  const dir = await fixture.tempDir()
  await cp(FIXTURE_DATA, dir, { recursive: true })
  return dir
}

const signIn = async (relay: { wsUrl: string }, index: number) => {
  const { identity } = await importIdentity(manifest.backups.identities[index]!.backup, manifest.backups.passphrase)
  expect(identity.user_id).toBe(manifest.users[index]!.user_id)
  return await fixture.client(relay, manifest.users[index]!.name, { identity })
}

describe('converting a v1 data directory', () => {
  it('moves every profile into its own room, every group into its own room, and lists live groups for their members only', async () => {
    const dataDir = await v1DataDir()
    const relay = await fixture.relay({ dataDir })
    expect(relay.log.some(line => line.includes('converted-from-v1'))).toBe(true)

    for (const user of manifest.users) {
      const parsed = parseUser(profileRecord(await relayDoc(relay, profileRoom(user.user_id))).get(user.user_id), user.user_id)
      expect(parsed.ok && { name: parsed.value.name, public_key: parsed.value.public_key }, user.name).toEqual({ name: user.name, public_key: user.public_key })
    }

    for (const group of manifest.groups) {
      const room = conversationRoom(groupConversation(group.group_id))
      const parsed = parseGroup(groupRecord(await relayDoc(relay, room)).get(group.group_id), group.group_id)
      expect(parsed.ok, group.name).toBe(true)
      if (!parsed.ok) continue
      expect({ ...parsed.value, deleted: parsed.value.deleted_at !== null }).toMatchObject({
        name: group.name, user_ids: group.user_ids, admin_ids: group.admin_ids, created_by: group.created_by, deleted: group.deleted
      })
      for (const user of manifest.users) {
        const listed = userConversations(await relayDoc(relay, userRoom(user.user_id))).has(room)
        expect(listed, `${group.name} in ${user.name}'s list`).toBe(!group.deleted && group.user_ids.includes(user.user_id))
      }
    }
  })

  it('shows each person their groups with their history after the conversion, and converts only once', async () => {
    const dataDir = await v1DataDir()
    const first = await fixture.relay({ dataDir })
    await first.close()
    const relay = await fixture.relay({ dataDir })
    expect(relay.log.some(line => line.includes('converted-from-v1'))).toBe(false)

    const [teamRocket, bookClub] = manifest.groups
    const ada = await signIn(relay, 0)
    await waitFor('Ada sees her group', () => ada.groups().length === 1)
    expect(ada.groups().map(group => group.name)).toEqual([teamRocket!.name])
    // Its members' profiles came out of the directory with their names.
    const others = manifest.users.filter(user => teamRocket!.user_ids.includes(user.user_id) && user.user_id !== ada.me.user_id)
    await waitFor('Ada knows her group\'s members by name', () => others.every(user => ada.user(user.user_id)?.name === user.name))
    const history = await contents(await ada.openGroup(teamRocket!.group_id))
    expect(history).toEqual(manifest.group.find(entry => entry.group_id === teamRocket!.group_id)!.messages)

    const zoe = await signIn(relay, 4)
    await waitFor('Zoë sees the group she was added to', () => zoe.groups().length === 1)
    expect(zoe.groups()[0]!.name).toBe(bookClub!.name)
    expect(await contents(await zoe.openGroup(bookClub!.group_id))).toEqual(manifest.group.find(entry => entry.group_id === bookClub!.group_id)!.messages)

    // Removed from the book club before the conversion: it is not his to see.
    const boris = await signIn(relay, 3)
    expect(bookClub!.user_ids).not.toContain(boris.me.user_id)
    await waitFor('Boris\'s own list has synced (his direct conversation shows)', () => boris.conversations().length === 1)
    expect(boris.groups()).toEqual([])
    expect(boris.group(bookClub!.group_id)).toBeNull()
  })
})
