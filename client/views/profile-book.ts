// The profiles this device holds: one's own, one's contacts' and whoever one looks up, each with that person's online state.
import type { Identity } from '../../shared/identity'
import { parseActiveUser, parseUser, type User } from '../../shared/model'
import { profileRoom } from '../../shared/protocol'
import { profileRecord } from '../../shared/schema'
import type { Replica } from '../replica'
import type { ReplicaPool } from '../replica-pool'
import { ValidatedMap } from './validated-map'
import type { PublicKeys } from './verified-map'

interface Watched {
  room: string
  replica: Replica | null
  record: ValidatedMap<User> | null
  /** Stops following the room's presence. */
  unfollow: () => void
}

export interface ProfileBookEvents {
  /** A profile arrived or changed, or one was let go. */
  onUsers(): void
  /** Someone's online state changed. */
  onPresence(): void
}

/**
 * NOTE: a profile is its own room (`profile/<id>`), and its presence is that person's online state,
 * published by them alone (the relay refuses anyone else's there). So a device learns the online
 * state of exactly the people whose profiles it holds: its contacts (everyone it shares a
 * conversation or a group with) and those it looked up, never the whole relay; and its own
 * arrival reaches exactly those who hold its profile.
 */
export class ProfileBook implements PublicKeys {
  private readonly watched = new Map<string, Watched>()
  private readonly ownRecord: ValidatedMap<User>
  private contacts = new Set<string>()
  private readonly lookedUp = new Set<string>()
  private readonly listeners = new Set<() => void>()
  private closed = false

  constructor (
    private readonly me: Identity,
    /** One's own profile room, whose presence carries one's own online state. */
    private readonly own: Replica,
    private readonly pool: ReplicaPool,
    private readonly events: ProfileBookEvents
  ) {
    this.ownRecord = new ValidatedMap(own.map(profileRecord), ownedProfile(me.user_id))
    this.ownRecord.onChange(() => this.changed())
  }

  /** One's own profile, as published (null before the first setProfile). */
  mine (): User | null { return this.ownRecord.get(this.me.user_id) ?? null }

  /** The profile of someone held here (deleted ones too: callers decide), or null. */
  profile (user_id: string): User | null {
    if (user_id === this.me.user_id) return this.mine()
    return this.watched.get(user_id)?.record?.get(user_id) ?? null
  }

  /** Every profile held here, one's own included. */
  profiles (): User[] {
    const all: User[] = []
    const mine = this.mine()
    if (mine) all.push(mine)
    for (const user_id of this.watched.keys()) {
      const profile = this.profile(user_id)
      if (profile) all.push(profile)
    }
    return all
  }

  /** Replaces the set of one's contacts: their profiles are held from now on, others' let go (unless looked up). */
  setContacts (user_ids: Iterable<string>): void {
    this.contacts = new Set([...user_ids].filter(id => id !== this.me.user_id))
    this.refresh()
  }

  /** Holds someone's profile from now on (for this session), and resolves once its room is open. */
  async lookUp (user_id: string): Promise<Replica | null> {
    if (user_id === this.me.user_id) return this.own
    this.lookedUp.add(user_id)
    this.refresh()
    const watched = this.watched.get(user_id)
    if (!watched) return null
    const replica = await this.pool.acquire(watched.room, { presence: true })
    void this.pool.release(watched.room)
    return replica
  }

  /** Whether someone held here has a live connection to the relay now. */
  isOnline (user_id: string): boolean {
    const awareness = user_id === this.me.user_id ? null : this.watched.get(user_id)?.replica?.awareness
    if (!awareness) return false
    for (const [client, state] of awareness.getStates()) {
      if (client === awareness.clientID) continue
      const parsed = parseActiveUser(state)
      if (parsed.ok && parsed.value.user_id === user_id) return true
    }
    return false
  }

  /** Who, among the people held here, is online now. */
  online (): string[] { return [...this.watched.keys()].filter(user_id => this.isOnline(user_id)) }

  /**
   * The key someone's entries are checked with. NOTE: asking for someone not held here looks them
   * up: the sender of a message in a large group (whose members are not all held, see
   * setContacts) is found when their first message needs checking, and it waits until then.
   */
  publicKeyOf (user_id: string): string | null {
    if (user_id === this.me.user_id) return this.me.public_key
    if (!this.watched.has(user_id) && !this.closed) void this.lookUp(user_id).catch(() => {})
    return this.profile(user_id)?.public_key ?? null
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private changed (): void {
    for (const listener of [...this.listeners]) listener()
    this.events.onUsers()
  }

  private refresh (): void {
    if (this.closed) return
    const wanted = new Set([...this.contacts, ...this.lookedUp])
    for (const user_id of wanted) if (!this.watched.has(user_id)) this.watch(user_id)
    for (const user_id of [...this.watched.keys()]) if (!wanted.has(user_id)) this.unwatch(user_id)
  }

  private watch (user_id: string): void {
    const room = profileRoom(user_id)
    const watched: Watched = { room, replica: null, record: null, unfollow: () => {} }
    this.watched.set(user_id, watched)
    this.pool.acquire(room, { presence: true }).then(replica => {
      if (this.watched.get(user_id) !== watched) {
        void this.pool.release(room)
        return
      }
      watched.replica = replica
      watched.record = new ValidatedMap(replica.map(profileRecord), ownedProfile(user_id))
      watched.record.onChange(() => this.changed())
      const awareness = replica.awareness
      const onPresence = () => this.events.onPresence()
      awareness?.on('change', onPresence)
      watched.unfollow = () => awareness?.off('change', onPresence)
      this.changed()
      this.events.onPresence()
    }, () => { if (this.watched.get(user_id) === watched) this.watched.delete(user_id) })
  }

  private unwatch (user_id: string): void {
    const watched = this.watched.get(user_id)
    this.watched.delete(user_id)
    if (watched?.replica) {
      watched.unfollow()
      watched.record?.destroy()
      void this.pool.release(watched.room)
      this.changed()
      this.events.onPresence()
    }
  }

  destroy (): void {
    this.closed = true
    for (const user_id of [...this.watched.keys()]) this.unwatch(user_id)
    this.ownRecord.destroy()
    this.listeners.clear()
  }
}

/** A profile room holds its owner's profile only: any other entry is skipped. */
const ownedProfile = (owner: string) => (value: unknown, key: string) =>
  key === owner ? parseUser(value, key) : { ok: false as const, reason: 'bad-id' as const }
