// What Parley needs before thin clients can talk: identities, a group (its record in its own index room), and profiles for readers that verify.
import WebSocket from 'ws'
import { muxNetwork } from '../../client/network/mux-network'
import { ParleyClient } from '../../client/parley'
import { memoryStorage } from '../../client/transport'
import { createIdentity, type Identity } from '../../shared/identity'
import { bucketRoom, groupConversation, profileRoom } from '../../shared/protocol'
import type { User } from '../../shared/model'
import { profileRecord } from '../../shared/schema'
import * as Y from 'yjs'
import { MESSAGE_SYNC, SYNC_UPDATE } from './thin-client'
import { ParleyThinClient } from './thin-parley'

/** `count` fresh identities (Ed25519 key pairs; about 0.1 ms each). */
export const createIdentities = async (count: number): Promise<Identity[]> => {
  const identities: Identity[] = []
  for (let i = 0; i < count; i++) identities.push(await createIdentity())
  return identities
}

/** The room of bucket 0 of a group: where its first messages are written. */
export const groupBucketRoom = (group_id: string): string => bucketRoom(groupConversation(group_id), 0)

/**
 * A full Parley client (ParleyClient over the mux socket, in-memory storage) that creates groups
 * on a relay: the relay admits to a group's rooms only the members its record (in the group's index room) lists.
 */
export class GroupAdmin {
  private constructor (readonly client: ParleyClient, readonly identity: Identity) {}

  /**
   * NOTE: opened here rather than with the CLI's connectParley, which waits for a change of the
   * connection's status after which both own rooms are in sync: when the own room syncs after the
   * profile room, no such change follows, and on a loaded machine it gave up after 15 s.
   */
  static async open (wsUrl: string, identity?: Identity): Promise<GroupAdmin> {
    const admin = identity ?? await createIdentity()
    const client = await ParleyClient.open({ identity: admin, network: muxNetwork({ url: wsUrl, identity: admin, WebSocket }), storage: memoryStorage })
    try {
      if (!await client.whenSynced(15_000)) throw new Error(`the relay at ${wsUrl} did not sync the admin's own rooms within 15 s: ${client.status} ${client.refusal ?? ''}`)
      client.setProfile({ name: 'bench admin' })
    } catch (error) {
      await client.close()
      throw error
    }
    return new GroupAdmin(client, admin)
  }

  /**
   * Creates a group of the admin and `members` (at most 999 others: a group holds 1,000).
   * Members may join its rooms at once: the relay waits up to 3 s for the record of a group whose
   * bucket they join before the admin's write has arrived. Resolves once the record is written
   * locally and queued for the relay, not once the relay holds it.
   */
  async createGroup (members: readonly Identity[], name = 'bench'): Promise<string> {
    return (await this.client.createGroup({ name, user_ids: members.map(member => member.user_id) })).group_id
  }

  async close (): Promise<void> { await this.client.close() }
}

/**
 * Publishes a profile for each identity (a thin client in its own profile room writing it, closed
 * once the relay has echoed it), so that full clients can verify their messages.
 */
export const publishProfiles = async (wsUrl: string, identities: readonly Identity[], timeoutMs = 10_000): Promise<void> => {
  await Promise.all(identities.map(async (identity, index) => {
    const client = await ParleyThinClient.connect(wsUrl, profileRoom(identity.user_id), identity)
    try {
      await client.synced
      const now = new Date().toISOString()
      const user: User = { user_id: identity.user_id, name: `bench ${index}`, public_key: identity.public_key, created_at: now, updated_at: now, deleted_at: null }
      const doc = new Y.Doc()
      let update: Uint8Array | null = null
      doc.on('update', (bytes: Uint8Array) => { update = bytes })
      profileRecord(doc).set(identity.user_id, user)
      doc.destroy()
      const marker = Buffer.from(identity.public_key)
      const echoed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the relay did not take ${identity.user_id}'s profile: ${client.refusals.join(', ')}`)), timeoutMs)
        client.onMessage(({ type, bytes }) => {
          if (type === MESSAGE_SYNC && bytes[1] === SYNC_UPDATE && bytes.includes(marker)) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      client.sendUpdate(update!)
      await echoed
    } finally {
      await client.close()
    }
  }))
}
