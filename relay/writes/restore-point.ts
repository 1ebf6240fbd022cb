// What a room's document held before the update being judged: a snapshot and the updates accepted since, to rebuild it from after a refusal.
import * as Y from 'yjs'

/**
 * A room's document as the relay accepted it, kept encoded beside it while it is awake: a
 * snapshot, and each update accepted (or written by the relay) since. A refused update is
 * applied to the document before it is refused (judged-apply.ts); the room then takes the
 * document rebuilt from here. NOTE: smaller than the second document the relay kept before, to
 * try each update on: an encoded document is 2–5 times smaller than its Y.Doc (a bucket of 1,000
 * messages 0.40 MB against 0.96 MB of heap, a directory of 10,000 profiles 2.3 against 10.9), and
 * the snapshot is taken again once the updates since outweigh it.
 */
export class RestorePoint {
  private since: Uint8Array[] = []
  private sinceBytes = 0

  private constructor (private snapshot: Uint8Array) {}

  /** The restore point of `doc` as it is now. */
  static of (doc: Y.Doc): RestorePoint {
    return new RestorePoint(Y.encodeStateAsUpdate(doc))
  }

  /** Records an update `doc` took and keeps (called once it has applied it). */
  record (update: Uint8Array, doc: Y.Doc): void {
    this.since.push(update)
    this.sinceBytes += update.byteLength
    if (this.sinceBytes > this.snapshot.byteLength) this.retake(doc)
  }

  /** The bytes it holds: the snapshot and the updates since. */
  get bytes (): number { return this.snapshot.byteLength + this.sinceBytes }

  /** A new document holding what the relay accepted, and nothing else. */
  restore (): Y.Doc {
    const doc = new Y.Doc({ gc: true })
    Y.applyUpdate(doc, this.snapshot)
    if (this.since.length > 0) {
      // NOTE: the updates since merged into one, so that the rebuild is two Yjs transactions
      // (each costs in proportion to the document's client ids: 5 ms at 10,000), not one per
      // update. The snapshot stays as it is: merged into it, every value overwritten since
      // would stay for good (a review grew a 160 KB room's restore point to 2.9 MB in four
      // refusals), and it is taken again from the document once the updates since outweigh it.
      const since = this.since.length === 1 ? this.since[0]! : Y.mergeUpdates(this.since)
      Y.applyUpdate(doc, since)
      this.since = [since]
      this.sinceBytes = since.byteLength
    }
    return doc
  }

  private retake (doc: Y.Doc): void {
    this.snapshot = Y.encodeStateAsUpdate(doc)
    this.since = []
    this.sinceBytes = 0
  }
}
