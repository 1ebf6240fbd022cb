// One's messages shown in a conversation at once, while they are signed and written: their placeholders and the sends waiting on them.
import type { UnsignedMessage } from '../../shared/message-signature'
import type { Message } from '../../shared/model'
import type { Placed } from './history'

/** The signature of one's own message while it is being signed: only ever in one's own view. */
export const UNSIGNED = ''

/** A message as sent, before it is signed: `placed` is what history shows meanwhile. */
export interface Outgoing {
  readonly unsigned: UnsignedMessage
  readonly placed: Placed
}

interface Waiting extends Outgoing {
  resolve(message: Message): void
  reject(error: unknown): void
}

/** The messages sent and not written yet, in the order sent. */
export class OutgoingMessages {
  private readonly waiting = new Map<string, Waiting>()

  get size (): number { return this.waiting.size }

  has (message_id: string): boolean { return this.waiting.has(message_id) }

  /** Whether `placed` is the placeholder of a message still outgoing. */
  shows (placed: Placed): boolean {
    return this.waiting.get(placed.message.message_id)?.placed.message === placed.message
  }

  /** Adds a message placed in `bucket`; the promise settles once it is written (or dropped). */
  add (unsigned: UnsignedMessage, bucket: number): { outgoing: Outgoing; sent: Promise<Message> } {
    const placed: Placed = { bucket, message: { ...unsigned, signature: UNSIGNED } }
    let outgoing!: Waiting
    const sent = new Promise<Message>((resolve, reject) => { outgoing = { unsigned, placed, resolve, reject } })
    this.waiting.set(unsigned.message_id, outgoing)
    return { outgoing, sent }
  }

  /** Everything outgoing now, in the order sent. */
  all (): Outgoing[] { return [...this.waiting.values()] }

  /** Written: no longer outgoing, and its send resolves with the signed version. */
  written (outgoing: Outgoing, message: Message): void {
    const waiting = this.waiting.get(outgoing.unsigned.message_id)
    if (waiting !== outgoing) return
    this.waiting.delete(outgoing.unsigned.message_id)
    waiting.resolve(message)
  }

  /** Gives up on those of `batch` still outgoing (all by default); returns them. */
  drop (error: unknown, batch: readonly Outgoing[] = this.all()): Outgoing[] {
    const dropped: Outgoing[] = []
    for (const outgoing of batch) {
      const waiting = this.waiting.get(outgoing.unsigned.message_id)
      if (waiting !== outgoing) continue
      this.waiting.delete(outgoing.unsigned.message_id)
      waiting.reject(error)
      dropped.push(outgoing)
    }
    return dropped
  }
}
