// Converts a relay's data from protocol v1, once: each profile and each group moves out of the public directory into its own room.
import * as Y from 'yjs'
import { parseGroup, parseUser, type Group, type User } from '../../shared/model'
import { RELAY_ORIGIN, STORAGE_ORIGIN } from '../../shared/origin'
import { V1_DIRECTORY_ROOM, conversationRoom, groupConversation, profileRoom } from '../../shared/protocol'
import { directoryGroupsOfV1, directoryUsersOfV1, groupRecord, profileRecord } from '../../shared/schema'
import type { Logger } from '../log'
import type { RoomRegistry } from '../rooms'
import { applyStored } from '../storage/apply-stored'
import type { RoomStore } from '../storage/store'
import type { GroupAnnouncer } from '../writes/group-announcer'
import { entryItems } from '../../shared/yjs-internals'

/** The store record that says the conversion is done (records live apart from rooms). */
export const FROM_V1_DONE = 'conversions/from-v1'

export interface ConversionContext {
  store: RoomStore
  registry: RoomRegistry
  announcer: GroupAnnouncer
  /** The people index, told of every profile moved (again, if it was moved before a crash). */
  people: { noteProfile(user_id: string, value: unknown): void }
  log: Logger
}

/** Valid entries of one of the v1 directory's maps; the others were never shown by any client (each parses them alike). */
const validEntries = <T>(map: Y.Map<unknown>, parse: (value: unknown, key: string) => { ok: true; value: T } | { ok: false; reason: string }, log: Logger, what: string): Array<[string, T]> => {
  const valid: Array<[string, T]> = []
  for (const [key, value] of map) {
    const parsed = parse(value, key)
    if (parsed.ok) valid.push([key, parsed.value])
    else log.warn('entry-not-converted', { what, key, reason: parsed.reason })
  }
  return valid
}

/** Writes `value` as the one entry of a room's root map, unless the room holds it already. */
const writeOnce = (registry: RoomRegistry, room: string, root: (doc: Y.Doc) => Y.Map<unknown>, key: string, value: User | Group): Promise<boolean> =>
  registry.withRoom(room, loaded => {
    const map = root(loaded.doc)
    if (map.has(key)) return false
    loaded.doc.transact(() => map.set(key, value), RELAY_ORIGIN)
    return true
  })

/**
 * Moves every profile of the v1 directory into its own room (`profile/<id>`), and every group into
 * its index room, listed in its members' own rooms. Runs before the relay listens; the v1
 * directory is left as it is in the store, where no client can reach it any more (v2 has no such
 * room). NOTE: safe to run again after a crash half way: an entry already moved is kept as it is,
 * and a group announced again (which changes nothing for a member already told); the
 * conversion is marked done once everything is stored. Returns what was moved.
 */
export const convertFromV1 = async ({ store, registry, announcer, people, log }: ConversionContext): Promise<{ profiles: number; groups: number }> => {
  const moved = { profiles: 0, groups: 0 }
  if ((await store.readRecords(FROM_V1_DONE)).has(FROM_V1_DONE)) return moved
  const directory = new Y.Doc()
  try {
    await applyStored(directory, V1_DIRECTORY_ROOM, await store.load(V1_DIRECTORY_ROOM), STORAGE_ORIGIN)
    for (const [user_id, user] of validEntries(directoryUsersOfV1(directory), parseUser, log, 'profile')) {
      await writeOnce(registry, profileRoom(user_id), profileRecord, user_id, user)
      people.noteProfile(user_id, user)
      moved.profiles += 1
    }
    const groups = directoryGroupsOfV1(directory)
    const valid = validEntries(groups, parseGroup, log, 'group')
    for (const [group_id, group] of valid) {
      // The group records' observer announces a group written here to its members.
      const wrote = await writeOnce(registry, conversationRoom(groupConversation(group_id)), groupRecord, group_id, group)
      if (!wrote) announcer.noteChange({ group_id, before: null, after: group })
      moved.groups += 1
    }
    // NOTE: a group an admin took out of the v1 map (or one that never parsed) left its id used
    // for good; a tombstone in its room keeps it so, and keeps its room closed to everyone.
    const live = new Set(valid.map(([group_id]) => group_id))
    for (const group_id of entryItems(groups).keys()) {
      if (live.has(group_id)) continue
      await registry.withRoom(conversationRoom(groupConversation(group_id)), room => {
        const record = groupRecord(room.doc)
        if (entryItems(record).has(group_id)) return
        room.doc.transact(() => {
          record.set(group_id, null)
          record.delete(group_id)
        }, RELAY_ORIGIN)
      })
    }
  } finally {
    directory.destroy()
  }
  await announcer.whenAnnounced()
  // NOTE: the rooms written above are stored before the conversion is marked done.
  await registry.flushAll()
  await store.writeRecords(new Map([[FROM_V1_DONE, Uint8Array.of(1)]]))
  if (moved.profiles + moved.groups > 0) log.info('converted-from-v1', moved)
  return moved
}
