// Many small groups for thin clients: who is in which, and (on Parley) the groups written to the relay's directory by their creators.
import * as Y from 'yjs'
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import type { Group } from '../../shared/model'
import { DIRECTORY_ROOM } from '../../shared/protocol'
import { directoryGroups } from '../../shared/schema'
import type { RunningServer } from '../servers'
import { MESSAGE_SYNC, SYNC_UPDATE } from './thin-client'
import { ParleyThinClient } from './thin-parley'

export interface GroupPlan {
  group_id: string
  /** Its members; the first created it (and is its admin). */
  members: readonly Identity[]
}

/**
 * `count` groups of `size`: member 0 of group g is `creators[g % creators.length]`, the others
 * come from `pool` in turn (so one identity is in several groups, as people are). NOTE: few
 * creators keep Parley's setup cheap, since each creator writes its groups on its own
 * connection to the directory (only a group's creator may write it).
 */
export const planGroups = (count: number, size: number, creators: readonly Identity[], pool: readonly Identity[]): GroupPlan[] => {
  if (size - 1 > pool.length) throw new Error(`groups of ${size} need at least ${size - 1} pool identities`)
  return Array.from({ length: count }, (_, g) => ({
    group_id: randomId(),
    members: [creators[g % creators.length]!, ...Array.from({ length: size - 1 }, (_, k) => pool[(g * (size - 1) + k) % pool.length]!)]
  }))
}

/** One creator's directory update that writes all its groups, prepared once and sent to every fresh relay. */
export interface GroupWrite {
  creator: Identity
  update: Uint8Array
  /** Bytes of the update's last group id, to recognise the relay's echo. */
  marker: Buffer
}

export const prepareGroupWrites = (groups: readonly GroupPlan[]): GroupWrite[] => {
  const byCreator = new Map<Identity, GroupPlan[]>()
  for (const group of groups) {
    const creator = group.members[0]!
    byCreator.set(creator, [...byCreator.get(creator) ?? [], group])
  }
  const now = new Date().toISOString()
  return [...byCreator].map(([creator, own]) => {
    const doc = new Y.Doc()
    doc.transact(() => {
      for (const { group_id, members } of own) {
        const group: Group = {
          group_id,
          name: 'bench',
          user_ids: [...new Set(members.map(member => member.user_id))],
          admin_ids: [creator.user_id],
          created_by: creator.user_id,
          created_at: now,
          updated_at: now,
          deleted_at: null
        }
        directoryGroups(doc).set(group_id, group)
      }
    })
    const update = Y.encodeStateAsUpdate(doc)
    doc.destroy()
    return { creator, update, marker: Buffer.from(own.at(-1)!.group_id) }
  })
}

/**
 * Writes the groups into a Parley relay's directory, each creator on its own connection, one
 * creator after another, and waits until the relay has echoed each write (so members may join).
 */
export const publishGroups = async (server: Pick<RunningServer, 'wsUrl'>, writes: readonly GroupWrite[], timeoutMs = 20_000): Promise<void> => {
  for (const { creator, update, marker } of writes) {
    const client = await ParleyThinClient.connect(server.wsUrl, DIRECTORY_ROOM, creator)
    try {
      await client.synced
      const echoed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the relay did not take ${creator.user_id}'s groups: ${client.refusals.join(', ')}`)), timeoutMs)
        client.onMessage(({ type, bytes }) => {
          if (type === MESSAGE_SYNC && bytes[1] === SYNC_UPDATE && bytes.includes(marker)) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      client.sendUpdate(update)
      await echoed
    } finally {
      await client.close()
    }
  }
}
