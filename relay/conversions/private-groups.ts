// Converts a relay's data from protocol v1, once: each group moves out of the public directory into its own index room.
import { parseGroup } from '../../shared/model'
import { RELAY_ORIGIN } from '../../shared/origin'
import { DIRECTORY_ROOM, conversationRoom, groupConversation } from '../../shared/protocol'
import { directoryGroupsOfV1, groupRecord } from '../../shared/schema'
import type { Logger } from '../log'
import type { RoomRegistry } from '../rooms'
import type { RoomStore } from '../storage/store'
import type { GroupAnnouncer } from '../writes/group-announcer'

/** The store record that says the conversion is done (records live apart from rooms). */
export const PRIVATE_GROUPS_DONE = 'conversions/private-groups'

export interface ConversionContext {
  store: RoomStore
  registry: RoomRegistry
  announcer: GroupAnnouncer
  log: Logger
}

/**
 * Moves every group of the v1 directory into its own room, lists it in its members' rooms, then
 * takes it out of the directory. Runs before the relay listens. NOTE: safe to run again after a
 * crash half way: a record already moved is kept as it is, and announced again (which changes
 * nothing for a member already told); only once everything is moved are the groups taken out of
 * the directory and the conversion marked done. Returns how many groups were moved.
 */
export const convertToPrivateGroups = async ({ store, registry, announcer, log }: ConversionContext): Promise<number> => {
  if ((await store.readRecords(PRIVATE_GROUPS_DONE)).has(PRIVATE_GROUPS_DONE)) return 0
  const found = await registry.withRoom(DIRECTORY_ROOM, directory => [...directoryGroupsOfV1(directory.doc).entries()])
  let moved = 0
  for (const [group_id, value] of found) {
    const parsed = parseGroup(value, group_id)
    if (!parsed.ok) {
      // Never shown by any client (each parses it the same way): there is nothing to keep.
      log.warn('group-not-converted', { group: group_id, reason: parsed.reason })
      continue
    }
    const group = parsed.value
    const wrote = await registry.withRoom(conversationRoom(groupConversation(group_id)), room => {
      const record = groupRecord(room.doc)
      if (record.has(group_id)) return false
      // The group records' observer sees this write and announces the group to its members.
      room.doc.transact(() => record.set(group_id, group), RELAY_ORIGIN)
      return true
    })
    if (!wrote) announcer.noteChange({ group_id, before: null, after: group })
    moved += 1
  }
  await announcer.whenAnnounced()
  if (found.length > 0) {
    await registry.withRoom(DIRECTORY_ROOM, directory => {
      const groups = directoryGroupsOfV1(directory.doc)
      directory.doc.transact(() => { for (const [group_id] of found) groups.delete(group_id) }, RELAY_ORIGIN)
    })
  }
  // NOTE: the rooms written above are stored before the conversion is marked done.
  await registry.flushAll()
  await store.writeRecords(new Map([[PRIVATE_GROUPS_DONE, Uint8Array.of(1)]]))
  if (found.length > 0) log.info('groups-converted', { moved, found: found.length })
  return moved
}
