// A room's link that stays the same object while the room moves to another link (a rebuilt room's): listeners keep listening.
import type { ConnectionStatus, RoomLink } from '../transport'

export class FollowingLink implements RoomLink {
  private readonly listeners = new Set<() => void>()
  private unsubscribe: () => void
  /** Refusals counted by the links followed before. */
  private earlierRejections = 0
  private earlierRejection: string | null = null

  constructor (private current: RoomLink) {
    this.unsubscribe = current.onChange(this.notify)
  }

  /** The link followed now. */
  get followed (): RoomLink { return this.current }

  get status (): ConnectionStatus { return this.current.status }
  get refusal (): string | null { return this.current.refusal }
  get rejection (): string | null { return this.current.rejection ?? this.earlierRejection }
  get rejections (): number { return this.earlierRejections + this.current.rejections }
  get synced (): boolean { return this.current.synced }
  whenSynced (timeoutMs: number): Promise<boolean> { return this.current.whenSynced(timeoutMs) }
  acknowledged (client: number): number { return this.current.acknowledged(client) }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Follows `next` from now on; returns the link followed until now, which its owner destroys. */
  follow (next: RoomLink): RoomLink {
    const previous = this.current
    this.unsubscribe()
    this.earlierRejections += previous.rejections
    this.earlierRejection = previous.rejection ?? this.earlierRejection
    this.current = next
    this.unsubscribe = next.onChange(this.notify)
    this.notify()
    return previous
  }

  private readonly notify = (): void => {
    for (const listener of [...this.listeners]) listener()
  }

  destroy (): void {
    this.unsubscribe()
    this.listeners.clear()
    this.current.destroy()
  }
}
