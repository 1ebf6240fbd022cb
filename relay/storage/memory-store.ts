// A RoomStore in memory: for tests and for running a throwaway relay (--memory).
import * as Y from 'yjs'
import { StorageError, type RoomStore } from './store'

export class MemoryStore implements RoomStore {
  private readonly rooms = new Map<string, Uint8Array[]>()
  private closed = false

  async load (room: string): Promise<Uint8Array | null> {
    this.assertOpen()
    const updates = this.rooms.get(room)
    return updates ? Y.mergeUpdates(updates) : null
  }

  async append (room: string, update: Uint8Array): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room) ?? []
    updates.push(update.slice())
    this.rooms.set(room, updates)
  }

  async compact (room: string): Promise<void> {
    this.assertOpen()
    const updates = this.rooms.get(room)
    if (updates && updates.length > 1) this.rooms.set(room, [Y.mergeUpdates(updates)])
  }

  async close (): Promise<void> { this.closed = true }

  private assertOpen (): void {
    if (this.closed) throw new StorageError('closed', 'the store is closed')
  }
}
