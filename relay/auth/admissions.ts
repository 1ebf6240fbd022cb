// Who has been let into an invite-only relay: kept in the relay's own store, out of every client's reach.
import * as Y from 'yjs'
import { parseRoom } from '../../shared/protocol'
import { applyStored } from '../storage/apply-stored'
import type { RoomStore } from '../storage/store'

/** A store key no client can name: parseRoom rejects it, so no socket can ever join it. */
export const ADMISSIONS_KEY = '.relay/admitted'

export class Admissions {
  private constructor (
    private readonly store: RoomStore,
    private readonly doc: Y.Doc
  ) {}

  static async open (store: RoomStore): Promise<Admissions> {
    if (parseRoom(ADMISSIONS_KEY) !== null) throw new Error('the admissions key must not be a room name')
    const doc = new Y.Doc()
    await applyStored(doc, ADMISSIONS_KEY, await store.load(ADMISSIONS_KEY))
    return new Admissions(store, doc)
  }

  private get admitted (): Y.Map<unknown> { return this.doc.getMap('admitted') }

  has (user_id: string): boolean { return this.admitted.has(user_id) }

  /** Lets the user in for good; resolves once that is written. */
  async admit (user_id: string, how: { invite: string; at: number }): Promise<void> {
    if (this.has(user_id)) return
    let update: Uint8Array | null = null
    const capture = (bytes: Uint8Array) => { update = bytes }
    this.doc.once('update', capture)
    this.admitted.set(user_id, { admitted_at: new Date(how.at).toISOString(), invite: how.invite.split('.')[1] ?? '' })
    if (update) await this.store.append(ADMISSIONS_KEY, update)
  }

  get size (): number { return this.admitted.size }
}
