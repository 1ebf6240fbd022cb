// One's own messages the relay has yet to confirm, as a set kept up to date from one's writes and each link's acknowledgements.
import type { ID } from 'yjs'
import { bucketMessages } from '../../shared/schema'
import { entryItem } from '../../shared/yjs-internals'
import type { Outbox } from '../outbox'
import type { LoadedBucket } from './loaded-bucket'

/**
 * NOTE: a view asked, after every change, whether each message on screen was pending (up to
 * 300 scans of the loaded buckets per notification). Now a message's state is read when its
 * version changes, and only the unconfirmed ones are looked at again when a link hears back
 * from the relay. Read off the documents themselves (the outbox's baseline, the entry's Yjs
 * id), so it holds across reloads as before.
 */
export class UnconfirmedMessages {
  /** By bucket: message id → the Yjs id of the version the relay has yet to confirm. */
  private readonly byBucket = new Map<number, Map<string, ID | null>>()

  constructor (private readonly me: string, private readonly outbox: Outbox) {}

  has (message_id: string): boolean {
    for (const unconfirmed of this.byBucket.values()) if (unconfirmed.has(message_id)) return true
    return false
  }

  /** Reads again whether these messages of a loaded bucket are unconfirmed; returns those whose state changed. */
  update (bucket: LoadedBucket, keys: Iterable<string>): string[] {
    const unconfirmed = this.of(bucket.number)
    const flipped: string[] = []
    for (const key of keys) {
      const was = unconfirmed.has(key)
      const id = this.unconfirmedVersion(bucket, key)
      if (id === undefined) unconfirmed.delete(key)
      else unconfirmed.set(key, id)
      if (was !== (id !== undefined)) flipped.push(key)
    }
    return flipped
  }

  /** The bucket's link heard from the relay: drops what it now holds; returns those messages. */
  acknowledge (bucket: LoadedBucket): string[] {
    const unconfirmed = this.byBucket.get(bucket.number)
    if (!unconfirmed) return []
    const confirmed: string[] = []
    for (const [key, id] of unconfirmed) {
      if (id !== null && bucket.replica.link.acknowledged(id.client) > id.clock) {
        unconfirmed.delete(key)
        confirmed.push(key)
      }
    }
    return confirmed
  }

  /** The Yjs id of the message's unconfirmed version (null: unknown, so unconfirmed), or undefined once confirmed or not one's own. */
  private unconfirmedVersion (bucket: LoadedBucket, message_id: string): ID | null | undefined {
    const message = bucket.messages.get(message_id)
    // Others' messages came from the relay; one's own are pending only while the outbox holds their room.
    if (!message || message.sender_id !== this.me) return undefined
    const baseline = this.outbox.baseline(bucket.replica.room)
    if (baseline === null) return undefined
    const id = entryItem(bucketMessages(bucket.replica.doc), message_id)?.id
    if (id === undefined) return null
    if (id.clock < (baseline.get(id.client) ?? 0)) return undefined
    return bucket.replica.link.acknowledged(id.client) <= id.clock ? id : undefined
  }

  private of (bucket: number): Map<string, ID | null> {
    let unconfirmed = this.byBucket.get(bucket)
    if (!unconfirmed) this.byBucket.set(bucket, unconfirmed = new Map())
    return unconfirmed
  }
}
