// How long one user's coming online (or going offline) takes to show: a probe user joins its own profile room, publishes presence, leaves; its contacts' sockets in that room watch for it.
import type { Identity } from '../../shared/identity'
import { profileRoom } from '../../shared/protocol'
import type { RunningServer } from '../servers'
import { MESSAGE_AWARENESS, type ThinClient } from './thin-client'
import { connectThin } from './thin-connect'
import { PresenceState, readPresenceMessage } from './presence-wire'

export interface ProbeResult {
  /** Per watcher: ms from the probe's connect to its state arriving (a watcher that never saw it counts as the timeout). */
  online: number[]
  /** Per watcher: ms from the probe's close to its removal arriving; empty when `expectOffline` is false. */
  offline: number[]
}

/**
 * Watches `watchers` (sockets in a probe's profile room: its contacts, who hold its profile) for
 * one probe at a time. NOTE: one listener per watcher for the whole run, parsing awareness only
 * while a probe is in flight, so that renewals cost the generator nothing in between.
 */
export class PresenceWatch {
  private target: { client: number; left: boolean; startedAt: number; samples: number[]; seen: Set<number>; done: () => void } | null = null
  private readonly unsubscribe: Array<() => void>

  constructor (private readonly watchers: readonly ThinClient[]) {
    this.unsubscribe = watchers.map((watcher, index) => watcher.onMessage(message => {
      const target = this.target
      if (!target || message.type !== MESSAGE_AWARENESS || target.seen.has(index)) return
      const entries = readPresenceMessage(message.bytes)
      if (!entries?.some(entry => entry.client === target.client && entry.left === target.left)) return
      target.seen.add(index)
      target.samples.push(message.at - target.startedAt)
      if (target.seen.size === this.watchers.length) target.done()
    }))
  }

  /** Starts watching for `client` showing up (or leaving), timed from now; resolves with every watcher's delay once all saw it or `timeoutMs` passed. */
  expect (client: number, left: boolean, timeoutMs: number): Promise<number[]> {
    return new Promise(resolve => {
      const startedAt = performance.now()
      let timer: ReturnType<typeof setTimeout> | undefined
      const finish = () => {
        clearTimeout(timer)
        const target = this.target!
        this.target = null
        // NOTE: a watcher that never saw it counts as the timeout: a lower bound rather than leaving the slowest out.
        const missing = this.watchers.length - target.seen.size
        resolve([...target.samples, ...Array.from({ length: missing }, () => performance.now() - startedAt)])
      }
      this.target = { client, left, startedAt, samples: [], seen: new Set(), done: finish }
      timer = setTimeout(finish, timeoutMs)
    })
  }

  destroy (): void { for (const stop of this.unsubscribe) stop() }
}

/**
 * One probe: `identity` connects to its profile room and publishes its presence (online, timed from
 * the start of its connect), then closes its socket (offline, timed from the close: the relay
 * must say it left, as y-websocket servers do when a socket closes).
 */
export const probePresence = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, watch: PresenceWatch, identity: Identity, { expectOffline, timeoutMs }: { expectOffline: boolean; timeoutMs: number }): Promise<ProbeResult> => {
  const presence = new PresenceState({ user_id: identity.user_id })
  const online = watch.expect(presence.client, false, timeoutMs)
  const client = await connectThin(server, { room: profileRoom(identity.user_id), identity })
  try {
    await client.synced
    client.sendAwareness(presence.next())
    const result: ProbeResult = { online: await online, offline: [] }
    if (expectOffline) {
      const offline = watch.expect(presence.client, true, timeoutMs)
      const closed = client.close()
      result.offline = await offline
      await closed
    }
    return result
  } finally {
    await client.close()
  }
}
