// `parley people`: every page of a search of the relay, and each person as a line of output.
import type { ParleyClient } from '../client/parley'
import { ParleyError } from '../shared/errors'
import type { User } from '../shared/model'
import { MAX_PAGE_SIZE } from '../shared/protocol'

export interface FindOptions {
  /** How long one page may keep being asked for again while the relay says "not now" (ms). */
  patienceMs: number
  /** The pause before asking again (ms). NOTE: a relay answers a connection about one search a second once its burst is spent. */
  retryMs?: number
}

type Searcher = Pick<ParleyClient, 'findPeople' | 'status'>

/**
 * The people the relay finds for `query` ('' for everyone), a page at a time, following its
 * cursors to the end. Throws the client's ParleyError when the relay will not answer.
 */
export async function * findAll (client: Searcher, query: string, options: FindOptions): AsyncGenerator<User[]> {
  const seen = new Set<string>()
  let cursor: string | null = null
  do {
    const after = cursor
    const page: { people: User[]; cursor: string | null } = await askPatiently(client, () => client.findPeople(query, { cursor: after, limit: MAX_PAGE_SIZE }), options)
    yield page.people
    // NOTE: a relay handing back a cursor it gave before would be paged for ever.
    cursor = page.cursor !== null && !seen.has(page.cursor) ? page.cursor : null
    if (cursor !== null) seen.add(cursor)
  } while (cursor !== null)
}

/**
 * Asks again, for up to `patienceMs`, while the relay is connected but answers 'unavailable':
 * it limits how often one connection searches, so paging through a long list meets the limit.
 */
const askPatiently = async <T>(client: Searcher, ask: () => Promise<T>, { patienceMs, retryMs = 1000 }: FindOptions): Promise<T> => {
  const giveUpAt = Date.now() + patienceMs
  for (;;) {
    try {
      return await ask()
    } catch (error) {
      const notNow = error instanceof ParleyError && error.reason === 'unavailable' && client.status === 'connected'
      if (!notNow || Date.now() + retryMs > giveUpAt) throw error
      await new Promise(resolve => setTimeout(resolve, retryMs))
    }
  }
}

/** Whether someone is online, where this client follows their presence (oneself, one's contacts); null elsewhere. */
export const presenceOf = (client: Pick<ParleyClient, 'user' | 'isOnline'>, user_id: string): boolean | null =>
  client.user(user_id) !== null ? client.isOnline(user_id) : null

/** One person as a line: tab-separated name, user id and online / offline / - (not followed), or JSON. */
export const personLine = (user: User, online: boolean | null, json: boolean): string =>
  json
    ? JSON.stringify({ name: user.name, user_id: user.user_id, online })
    : [user.name, user.user_id, online === null ? '-' : online ? 'online' : 'offline'].join('\t')
