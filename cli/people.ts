// `parley people`: every page of a search of the relay, and each person as a line of output.
import type { ParleyClient } from '../client/parley'
import type { User } from '../shared/model'
import { MAX_PAGE_SIZE } from '../shared/protocol'

/**
 * The people the relay finds for `query` ('' for everyone), a page at a time, following its
 * cursors to the end. Throws the client's ParleyError when the relay will not answer.
 */
export async function * findAll (client: Pick<ParleyClient, 'findPeople'>, query: string): AsyncGenerator<User[]> {
  const seen = new Set<string>()
  let cursor: string | null = null
  do {
    const page: { people: User[]; cursor: string | null } = await client.findPeople(query, { cursor, limit: MAX_PAGE_SIZE })
    yield page.people
    // NOTE: a relay handing back a cursor it gave before would be paged for ever.
    cursor = page.cursor !== null && !seen.has(page.cursor) ? page.cursor : null
    if (cursor !== null) seen.add(cursor)
  } while (cursor !== null)
}

/** Whether someone is online, where this client follows their presence (oneself, one's contacts); null elsewhere. */
export const presenceOf = (client: Pick<ParleyClient, 'user' | 'isOnline'>, user_id: string): boolean | null =>
  client.user(user_id) !== null ? client.isOnline(user_id) : null

/** One person as a line: tab-separated name, user id and online / offline / - (not followed), or JSON. */
export const personLine = (user: User, online: boolean | null, json: boolean): string =>
  json
    ? JSON.stringify({ name: user.name, user_id: user.user_id, online })
    : [user.name, user.user_id, online === null ? '-' : online ? 'online' : 'offline'].join('\t')
