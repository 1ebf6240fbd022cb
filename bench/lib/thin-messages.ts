// Prepared chat messages for thin senders (valid, signed Parley messages as Yjs updates) and the markers receivers look for.
import * as Y from 'yjs'
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { signMessage } from '../../shared/message-signature'
import type { Message } from '../../shared/model'
import { bucketMessages } from '../../shared/schema'

/** Text that starts every benchmark message's content, followed by its sequence number. */
export const MARKER = 'bench#'
const MARKER_BYTES = Buffer.from(MARKER)
const DIGITS = 8

let nextSeq = 0

/** Reserves `count` sequence numbers no other run of this process uses, so a late delivery is never counted twice. */
export const reserveSeqs = (count: number): number => {
  const base = nextSeq
  nextSeq += count
  return base
}

export const markerText = (seq: number): string => `${MARKER}${String(seq).padStart(DIGITS, '0')}`

/**
 * Calls `found` with the sequence number of every marker in `bytes`. NOTE: a Yjs update keeps a
 * string of a map value as its UTF-8 bytes, so a marker is found without decoding the update,
 * also in updates the relay merged.
 */
export const findMarkers = (bytes: Buffer, found: (seq: number) => void): void => {
  let at = bytes.indexOf(MARKER_BYTES)
  while (at >= 0) {
    const start = at + MARKER_BYTES.length
    let seq = 0
    for (let i = start; i < start + DIGITS; i++) seq = seq * 10 + (bytes[i]! - 48)
    found(seq)
    at = bytes.indexOf(MARKER_BYTES, start + DIGITS)
  }
}

export interface PreparedMessage {
  seq: number
  /** Index of the sender among the writer's identities. */
  sender: number
  /** The Yjs update writing the message into a bucket's 'messages' map. */
  update: Uint8Array
}

/**
 * Writes messages as their senders would, one Y.Doc per sender, each message a signed Parley
 * message under a fresh key of the bucket's 'messages' map, so that the relay (which judges
 * every write) accepts it. The same updates serve the baselines, which accept any update.
 * NOTE: a sender's updates must reach a relay in the order they were made (each continues its
 * Y.Doc's clock); make a new writer per run rather than drop prepared updates.
 */
export class MessageWriter {
  private readonly docs: Y.Doc[]

  constructor (private readonly senders: readonly Identity[], private readonly group_id: string) {
    this.docs = senders.map(() => new Y.Doc())
  }

  /** Prepares message `seq` from sender `sender`, its content the marker padded to `contentLength` characters. */
  async write (seq: number, sender: number, contentLength = 64): Promise<PreparedMessage> {
    const identity = this.senders[sender]!
    const doc = this.docs[sender]!
    const now = new Date().toISOString()
    const marker = markerText(seq)
    const unsigned: Omit<Message, 'signature'> = {
      message_id: randomId(),
      sender_id: identity.user_id,
      receiver_id: null,
      group_id: this.group_id,
      content: marker + ' '.repeat(Math.max(0, contentLength - marker.length)),
      created_at: now,
      updated_at: now,
      deleted_at: null
    }
    const message: Message = { ...unsigned, signature: await signMessage(identity, unsigned) }
    let update: Uint8Array | null = null
    const capture = (bytes: Uint8Array) => { update = bytes }
    doc.on('update', capture)
    bucketMessages(doc).set(message.message_id, message)
    doc.off('update', capture)
    return { seq, sender, update: update! }
  }

  /** Prepares `count` messages numbered from `first` on, senders taking turns: the i-th of them is sender i % senders. */
  async writeMany (first: number, count: number, contentLength = 64): Promise<PreparedMessage[]> {
    const prepared: PreparedMessage[] = []
    for (let i = 0; i < count; i++) prepared.push(await this.write(first + i, i % this.senders.length, contentLength))
    return prepared
  }

  destroy (): void { for (const doc of this.docs) doc.destroy() }
}
