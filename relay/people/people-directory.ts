// The people a relay can find: each accepted profile kept as a record and indexed, and searches answered as the relay's mode allows.
import { parseUser, type User } from '../../shared/model'
import { normalizeForSearch } from '../../shared/people-search'
import { MAX_PROFILE_BYTES, isWithinBounds, type PeopleAnswer, type PeopleMode, type PeopleQuery, type SearchRefusal } from '../../shared/protocol'
import type { RoomStore } from '../storage/store'
import { decodeCursor, encodeCursor } from './people-cursor'
import { PeopleIndex } from './people-index'

const PREFIX = 'people/'
/** How often changed profiles are written out. */
const FLUSH_MS = 5000

/** A profile as kept and answered: its JSON, and the object that JSON reads as. */
interface KeptProfile {
  json: string
  value: unknown
}

/**
 * A profile as kept: as its owner wrote it, or only the fields parseUser knows when that is
 * larger than a search answer carries, or is no JSON (a Yjs value may hold a bigint).
 * NOTE: an answer whose profile is over MAX_PROFILE_BYTES cannot be read at all
 * (decodePeopleAnswer), so one bloated profile would spoil every page that holds it.
 */
const keptProfile = (written: unknown, known: User): KeptProfile => {
  let json = jsonOf(written)
  if (json === null || json.length > MAX_PROFILE_BYTES) json = JSON.stringify(known)
  return { json, value: JSON.parse(json) as unknown }
}

const jsonOf = (value: unknown): string | null => {
  try {
    return JSON.stringify(value)
  } catch {
    return null
  }
}

/**
 * Every live profile the relay has accepted, in a PeopleIndex, each kept as the record
 * `people/<user_id>` so that a restart finds them all again.
 * NOTE: records are written a few seconds after a change, many at once, as the usage ledger's
 * are: a relay killed meanwhile forgets the last few changes until each person next writes
 * their profile.
 */
export class PeopleDirectory {
  /** Records to write at the next flush (null deletes one), the last of each person's changes. */
  private readonly pending = new Map<string, Uint8Array | null>()
  private readonly timer: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()

  private constructor (
    private readonly store: RoomStore,
    private readonly index: PeopleIndex<unknown>,
    /** What this relay lets people find (shared/protocol/people.ts). */
    readonly mode: PeopleMode,
    flushMs: number
  ) {
    this.timer = setInterval(() => { void this.flush().catch(() => {}) }, flushMs)
    this.timer.unref()
  }

  /** Reads every kept profile (skipping any that no longer parse) and indexes them. */
  static async open (store: RoomStore, { mode, flushMs = FLUSH_MS }: { mode: PeopleMode; flushMs?: number }): Promise<PeopleDirectory> {
    const people: Array<{ user_id: string; name: string; profile: unknown }> = []
    for (const [key, bytes] of await store.readRecords(PREFIX)) {
      const user_id = key.slice(PREFIX.length)
      let value: unknown
      try {
        value = JSON.parse(new TextDecoder().decode(bytes))
      } catch {
        continue
      }
      const parsed = parseUser(value, user_id)
      if (!parsed.ok || parsed.value.deleted_at !== null) continue
      people.push({ user_id, name: parsed.value.name, profile: keptProfile(value, parsed.value).value })
    }
    return new PeopleDirectory(store, PeopleIndex.of(people), mode, flushMs)
  }

  /** People who can be found. */
  get size (): number { return this.index.size }

  /**
   * Takes the profile `user_id`'s room now holds (each accepted version, in order): indexed and
   * kept if it parses as that user's, dropped if it is deleted, ignored otherwise.
   */
  noteProfile (user_id: string, value: unknown): void {
    const parsed = parseUser(value, user_id)
    if (!parsed.ok) return
    if (parsed.value.deleted_at !== null) {
      this.index.remove(user_id)
      this.pending.set(user_id, null)
      return
    }
    const kept = keptProfile(value, parsed.value)
    this.index.put(user_id, parsed.value.name, kept.value)
    this.pending.set(user_id, new TextEncoder().encode(kept.json))
  }

  /** One page of people for `query`, or why not (shared/protocol/people.ts). */
  answer (query: PeopleQuery): PeopleAnswer {
    const refuse = (reason: SearchRefusal): PeopleAnswer => ({ id: query.id, ok: false, reason })
    if (this.mode === 'off') return refuse('search-off')
    if (!isWithinBounds(query)) return refuse('bad-query')
    const after = query.cursor === null ? null : decodeCursor(query.cursor)
    if (query.cursor !== null && after === null) return refuse('bad-query')
    if (this.mode === 'search' && normalizeForSearch(query.query) === '') return refuse('list-off')
    const page = this.index.page(query.query, after, query.limit)
    return { id: query.id, ok: true, people: page.people, cursor: page.next && encodeCursor(page.next) }
  }

  /** Writes the profiles changed since the last flush; one flush at a time, in order. */
  flush (): Promise<void> {
    if (this.pending.size === 0) return this.writing
    const changes = new Map(this.pending)
    this.pending.clear()
    const records = new Map([...changes].map(([user_id, record]) => [PREFIX + user_id, record]))
    this.writing = this.writing.catch(() => {}).then(() => this.store.writeRecords(records)).catch(error => {
      // Tried again at the next flush, unless a newer change of the same person is waiting.
      for (const [user_id, record] of changes) if (!this.pending.has(user_id)) this.pending.set(user_id, record)
      throw error
    })
    return this.writing
  }

  /** Writes what is left and stops the timer (the store stays open). */
  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}
