// Replicas shared by everyone in the client who needs a room, opened once and closed with the last user.
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { parseRoom } from '../shared/protocol'
import { Replica, type ReplicaContext } from './replica'

interface Entry {
  replica: Promise<Replica>
  users: number
}

export class ReplicaPool {
  private readonly entries = new Map<string, Entry>()

  constructor (private readonly context: ReplicaContext) {}

  /**
   * The room's replica, opened if needed. A room whose presence means something (a profile: its
   * owner's online state; a conversation's index: who is typing) carries an awareness that starts
   * empty (nobody is told anything until the caller sets a state). NOTE: decided by the room, not
   * by whoever opens it first: a replica opened without one (by the outbox, say) would leave every
   * later user of the room without presence.
   */
  acquire (room: string): Promise<Replica> {
    let entry = this.entries.get(room)
    if (!entry) {
      const kind = parseRoom(room)?.kind
      const presence = kind === 'profile' || kind === 'conversation'
      const doc = new Y.Doc()
      let awareness: Awareness | undefined
      if (presence) {
        awareness = new Awareness(doc)
        awareness.setLocalState(null)
      }
      const opened = Replica.open(this.context, room, awareness, doc)
      entry = { replica: opened, users: 0 }
      const created = entry
      opened.catch(() => {
        awareness?.destroy()
        if (this.entries.get(room) === created) this.entries.delete(room)
      })
      this.entries.set(room, entry)
    }
    entry.users += 1
    return entry.replica
  }

  /** The replica if it is open now (for a glance that must not open it). */
  isOpen (room: string): boolean { return this.entries.has(room) }

  /** Gives a replica back; the last user closes it. */
  async release (room: string): Promise<void> {
    const entry = this.entries.get(room)
    if (!entry) return
    entry.users -= 1
    if (entry.users > 0) return
    this.entries.delete(room)
    const replica = await entry.replica.catch(() => null)
    if (!replica) return
    await replica.destroy()
    replica.awareness?.destroy()
  }

  async close (): Promise<void> {
    const entries = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(entries.map(async entry => {
      const replica = await entry.replica.catch(() => null)
      if (!replica) return
      await replica.destroy()
      replica.awareness?.destroy()
    }))
  }
}
