// The injected seams: where documents are kept on this device (Storage) and how they reach the relay (Network).
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { SearchRefusal } from '../shared/protocol'

/** 'refused': the relay turned the credentials down (see RoomLink.refusal); retrying will not help. */
export type ConnectionStatus = 'connected' | 'connecting' | 'offline' | 'refused'

/** One room's connection to the relay. */
export interface RoomLink {
  readonly status: ConnectionStatus
  /**
   * Why the relay refused this connection (an AuthFailure when status is 'refused') or this
   * room (not a participant, not a member); null while neither.
   */
  readonly refusal: string | null
  /** Why the relay last refused one of this room's updates (e.g. 'not-an-admin'), or null. */
  readonly rejection: string | null
  /** How many of this room's updates the relay has refused: grows with each refusal. */
  readonly rejections: number
  /** True once the relay's state has arrived on the current connection. */
  readonly synced: boolean
  /** Resolves true once synced, or false when timeoutMs passes first. */
  whenSynced(timeoutMs: number): Promise<boolean>
  /**
   * How far the relay is known to hold a Yjs client's updates: the clock it has reached,
   * from the relay's state vector and the updates it echoes after writing them.
   */
  acknowledged(client: number): number
  /** Called whenever status, synced or acknowledged change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void
  destroy(): void
}

/** One page of people the relay found: profiles as it stores them (parse each), and where the next page starts. */
export type PeoplePage =
  | { ok: true; people: unknown[]; cursor: string | null }
  | { ok: false; reason: SearchRefusal | 'offline' | 'unsupported' }

export interface Network {
  connect(room: string, doc: Y.Doc, awareness?: Awareness): RoomLink
  /**
   * Asks the relay for people whose name has a word starting with `query` ('' for everyone, where
   * the relay lists everyone), `limit` at most, from `cursor` (null: the first page). Resolves
   * { ok: false, reason: 'offline' } when the relay cannot be asked now, and 'unsupported' on a
   * network that cannot ask (one socket per room).
   */
  findPeople(query: string, options: { cursor: string | null; limit: number }): Promise<PeoplePage>
  /** Work offline (false) or reconnect (true); what is written meanwhile is sent on reconnect. */
  setOnline(online: boolean): void
  /** Sets the invitation offered to an invite-only relay and tries again at once. */
  setInvite(invite: string): void
}

/** One room's copy on this device; `loaded` resolves once the stored state is in the doc. */
export interface LocalCopy {
  readonly loaded: Promise<void>
  /**
   * Makes `doc` the room's copy: what was stored is dropped for its state, and its changes are
   * kept from now on (the previous doc's no longer). For a room rebuilt from the relay's state
   * after a refusal (see Replica): Yjs cannot take a change out of a doc, nor out of its stored
   * updates. Starts following `doc` before it returns, so that nothing written meanwhile is lost.
   */
  replace(doc: Y.Doc): Promise<void>
  destroy(): Promise<void>
}

export interface Storage {
  persist(room: string, doc: Y.Doc): LocalCopy
}

/**
 * What a LocalCopy's `loaded` rejects with when the room's stored bytes cannot be read: nothing
 * was loaded, and nothing stored is overwritten (the bytes stay for a repair or a report).
 */
export class LocalCopyError extends Error {
  readonly reason = 'unreadable'
  constructor (readonly room: string, options?: { cause?: unknown }) {
    super(`the copy of ${room} stored on this device could not be read`, options)
    this.name = 'LocalCopyError'
  }
}

/** A network that never connects: for offline use and for tests of the local layer. */
export const offlineNetwork: Network = {
  connect: () => ({
    status: 'offline',
    refusal: null,
    rejection: null,
    rejections: 0,
    synced: false,
    whenSynced: async () => false,
    acknowledged: () => 0,
    onChange: () => () => {},
    destroy: () => {}
  }),
  findPeople: async () => ({ ok: false, reason: 'offline' }),
  setOnline: () => {},
  setInvite: () => {}
}

/** Storage that keeps nothing beyond the life of the doc. */
export const memoryStorage: Storage = {
  persist: () => ({ loaded: Promise.resolve(), replace: async () => {}, destroy: async () => {} })
}
