// Finding people: a search the relay answers by name prefix, one page at a time, over the mux socket.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Characters of a query (a name has at most 64). */
export const MAX_QUERY_LENGTH = 64
/** Characters of a cursor: where the last page stopped, as the relay wrote it. */
export const MAX_CURSOR_LENGTH = 256
/** Profiles one page may hold. */
export const MAX_PAGE_SIZE = 50
/** Bytes of one profile in an answer (a profile is a few hundred bytes of JSON). */
export const MAX_PROFILE_BYTES = 2048

/**
 * Why the relay would not answer: 'list-off' (this relay lists nobody without a query),
 * 'search-off' (it finds people only by their id), 'rate-limited' (too many searches: try again
 * shortly), 'bad-query' (too long, or a cursor it did not write).
 */
export const SEARCH_REFUSALS = ['list-off', 'search-off', 'rate-limited', 'bad-query'] as const
export type SearchRefusal = typeof SEARCH_REFUSALS[number]

/**
 * What a relay lets people find: 'everyone' (search, and the whole list page by page with an
 * empty query), 'search' (by name prefix only), 'off' (nobody; a person is reached by their id).
 */
export const PEOPLE_MODES = ['everyone', 'search', 'off'] as const
export type PeopleMode = typeof PEOPLE_MODES[number]

/** One search: a name prefix ('' for everyone), from where the last page stopped (null: the start). */
export interface PeopleQuery {
  /** The client's number for this search, repeated in its answer. */
  id: number
  query: string
  cursor: string | null
  limit: number
}

/** One page of profiles (as stored: each reader parses and checks them), or why none. */
export type PeopleAnswer =
  | { id: number; ok: true; people: unknown[]; cursor: string | null }
  | { id: number; ok: false; reason: SearchRefusal }

const isSearchRefusal = (text: string): text is SearchRefusal => (SEARCH_REFUSALS as readonly string[]).includes(text)

export const encodePeopleQuery = (query: PeopleQuery): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, query.id)
  encoding.writeVarString(encoder, query.query)
  encoding.writeVarString(encoder, query.cursor ?? '')
  encoding.writeVarUint(encoder, query.limit)
})

/** Reads a query; null for bytes that are none (see isWithinBounds for one that asks too much). */
export const decodePeopleQuery = (bytes: Uint8Array): PeopleQuery | null => {
  try {
    const decoder = decoding.createDecoder(bytes)
    const id = decoding.readVarUint(decoder)
    const query = decoding.readVarString(decoder)
    const cursor = decoding.readVarString(decoder)
    const limit = decoding.readVarUint(decoder)
    if (decoding.hasContent(decoder) || !Number.isSafeInteger(id) || !Number.isSafeInteger(limit)) return null
    return { id, query, cursor: cursor === '' ? null : cursor, limit }
  } catch {
    return null
  }
}

/** Whether a query stays within what a relay answers (else it is refused as 'bad-query'). */
export const isWithinBounds = (query: PeopleQuery): boolean =>
  query.query.length <= MAX_QUERY_LENGTH && (query.cursor ?? '').length <= MAX_CURSOR_LENGTH &&
  query.limit >= 1 && query.limit <= MAX_PAGE_SIZE

export const encodePeopleAnswer = (answer: PeopleAnswer): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, answer.id)
  if (!answer.ok) {
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarString(encoder, answer.reason)
    return
  }
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, answer.people.length)
  for (const person of answer.people) encoding.writeVarString(encoder, JSON.stringify(person))
  encoding.writeVarString(encoder, answer.cursor ?? '')
})

/** Reads an answer; null for anything malformed, too large, or a reason this version does not know. */
export const decodePeopleAnswer = (bytes: Uint8Array): PeopleAnswer | null => {
  try {
    const decoder = decoding.createDecoder(bytes)
    const id = decoding.readVarUint(decoder)
    const status = decoding.readVarUint(decoder)
    if (status === 1) {
      const reason = decoding.readVarString(decoder)
      return !decoding.hasContent(decoder) && isSearchRefusal(reason) ? { id, ok: false, reason } : null
    }
    if (status !== 0) return null
    const count = decoding.readVarUint(decoder)
    if (count > MAX_PAGE_SIZE) return null
    const people: unknown[] = []
    for (let i = 0; i < count; i++) {
      const text = decoding.readVarString(decoder)
      if (text.length > MAX_PROFILE_BYTES) return null
      people.push(JSON.parse(text) as unknown)
    }
    const cursor = decoding.readVarString(decoder)
    if (decoding.hasContent(decoder) || cursor.length > MAX_CURSOR_LENGTH) return null
    return { id, ok: true, people, cursor: cursor === '' ? null : cursor }
  } catch {
    return null
  }
}
