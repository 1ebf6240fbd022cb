// Many small groups for thin clients: who is in which, and (on Parley) each group's record written into its own index room by its creator.
import * as Y from 'yjs'
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import type { Group } from '../../shared/model'
import { conversationRoom, groupConversation, userRoom } from '../../shared/protocol'
import { groupRecord } from '../../shared/schema'
import type { RunningServer } from '../servers'
import { MESSAGE_SYNC, SYNC_STEP_2, SYNC_UPDATE, type ThinClient } from './thin-client'
import { ParleyThinClient } from './thin-parley'

export interface GroupPlan {
  group_id: string
  /** Its members; the first created it (and is its admin). */
  members: readonly Identity[]
}

/**
 * `count` groups of `size`: member 0 of group g is `creators[g % creators.length]`, the others
 * come from `pool` in turn (so one identity is in several groups, as people are).
 */
export const planGroups = (count: number, size: number, creators: readonly Identity[], pool: readonly Identity[]): GroupPlan[] => {
  if (size - 1 > pool.length) throw new Error(`groups of ${size} need at least ${size - 1} pool identities`)
  return Array.from({ length: count }, (_, g) => ({
    group_id: randomId(),
    members: [creators[g % creators.length]!, ...Array.from({ length: size - 1 }, (_, k) => pool[(g * (size - 1) + k) % pool.length]!)]
  }))
}

/** One group's record as its creator writes it into the group's index room, prepared once and sent to every fresh relay. */
export interface GroupWrite {
  plan: GroupPlan
  /** The group's index room (`group/<id>`): only its members may join it once the record is there. */
  room: string
  update: Uint8Array
  /** Bytes of the group id, to recognise the relay's echo. */
  marker: Buffer
}

export const prepareGroupWrites = (groups: readonly GroupPlan[]): GroupWrite[] => {
  const now = new Date().toISOString()
  return groups.map(plan => {
    const { group_id, members } = plan
    const creator = members[0]!
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
    // NOTE: a Y.Doc per group: each index room is a document of its own, where the record is the first write.
    const doc = new Y.Doc()
    groupRecord(doc).set(group_id, group)
    const update = Y.encodeStateAsUpdate(doc)
    doc.destroy()
    return { plan, room: conversationRoom(groupConversation(group_id)), update, marker: Buffer.from(group_id) }
  })
}

/** Resolves once `client` receives a sync message (its step 2 or an update) holding `marker`; rejects after `timeoutMs`. */
const receives = (client: ThinClient, marker: Buffer, timeoutMs: number, what: () => string): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`${what()}: ${client.refusals.join(', ') || 'no refusal'}`))
    }, timeoutMs)
    const unsubscribe = client.onMessage(({ type, bytes }) => {
      if (type === MESSAGE_SYNC && (bytes[1] === SYNC_UPDATE || bytes[1] === SYNC_STEP_2) && bytes.includes(marker)) {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      }
    })
  })

/** The creator joins the group's index room (open to anyone while it holds no record), writes the record and waits for the relay's echo. */
const publishGroup = async (wsUrl: string, { plan, room, update, marker }: GroupWrite, timeoutMs: number): Promise<void> => {
  const creator = plan.members[0]!
  const client = await ParleyThinClient.connect(wsUrl, room, creator)
  try {
    await client.synced
    const echoed = receives(client, marker, timeoutMs, () => `the relay did not take ${creator.user_id}'s group ${plan.group_id}`)
    client.sendUpdate(update)
    await echoed
  } finally {
    await client.close()
  }
}

/**
 * Waits until the relay has listed the group in its last member's own room. NOTE: the relay lists
 * groups in their members' rooms one after another, in the order their records changed
 * (relay/writes/group-announcer.ts): once the last group written is listed for its last member,
 * every group before it is too, and the relay has finished that work before anything is measured.
 */
const whenListed = async (wsUrl: string, { plan, room }: GroupWrite, timeoutMs: number): Promise<void> => {
  const member = plan.members.at(-1)!
  const client = await ParleyThinClient.connect(wsUrl, userRoom(member.user_id), member)
  try {
    await receives(client, Buffer.from(room), timeoutMs, () => `the relay did not list ${plan.group_id} for ${member.user_id}`)
  } finally {
    await client.close()
  }
}

/**
 * Writes each group's record into its index room on a Parley relay, each on its creator's own
 * connection, `concurrency` at a time, and waits until the relay has echoed every write (so
 * members may join its rooms) and listed every group in its members' rooms. NOTE: the last group
 * is written alone, after all the others, so that its listing comes last (see whenListed).
 */
export const publishGroups = async (
  server: Pick<RunningServer, 'wsUrl'>,
  writes: readonly GroupWrite[],
  { concurrency = 16, timeoutMs = 20_000 } = {}
): Promise<void> => {
  const last = writes.at(-1)
  if (!last) return
  const others = writes.slice(0, -1)
  let next = 0
  const worker = async (): Promise<void> => {
    try {
      while (next < others.length) await publishGroup(server.wsUrl, others[next++]!, timeoutMs)
    } catch (error) {
      next = others.length // the other workers stop after their current group
      throw error
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, others.length) }, worker))
  await publishGroup(server.wsUrl, last, timeoutMs)
  await whenListed(server.wsUrl, last, timeoutMs)
}
