// Where a page of people stopped, written as the opaque cursor a client hands back for the next page.
import { isId } from '../../shared/ids'
import { isWellFormedText } from '../../shared/model'
import { MAX_CURSOR_LENGTH } from '../../shared/protocol'

/** Code units of a normalized name that pages are ordered by (see sortKeyOf). */
export const SORT_KEY_LENGTH = 64

/** A person's place in the order of every page: their sort key, then their id. */
export interface PeoplePosition {
  readonly sortKey: string
  readonly user_id: string
}

/**
 * What pages are ordered by: the normalized name's first 64 code units (never half a surrogate
 * pair), no space at the end. NOTE: cut so that any position fits in a cursor (NFKD can make a
 * 64-character name over a thousand long); names alike that far are ordered by id.
 */
export const sortKeyOf = (normalizedName: string): string => {
  if (normalizedName.length <= SORT_KEY_LENGTH) return normalizedName
  const last = normalizedName.charCodeAt(SORT_KEY_LENGTH - 1)
  const cut = last >= 0xd800 && last <= 0xdbff ? SORT_KEY_LENGTH - 1 : SORT_KEY_LENGTH
  return normalizedName.slice(0, cut).trimEnd()
}

/** The order of pages: sort key, then id (code unit order: the same on every relay, whatever its locale). */
export const comparePositions = (a: PeoplePosition, b: PeoplePosition): number =>
  a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0

const VERSION = '1'
const ID_LENGTH = 22

/** The cursor of a position: a version, the id, then the sort key (at most 87 characters). */
export const encodeCursor = (position: PeoplePosition): string => VERSION + position.user_id + position.sortKey

/**
 * The position a cursor names, or null for a cursor this relay could not have written.
 * NOTE: checked for shape only: any well-formed position is just a place in the order, and
 * reveals nothing a search from there would not.
 */
export const decodeCursor = (cursor: string): PeoplePosition | null => {
  if (cursor.length > MAX_CURSOR_LENGTH || !cursor.startsWith(VERSION)) return null
  const user_id = cursor.slice(VERSION.length, VERSION.length + ID_LENGTH)
  const sortKey = cursor.slice(VERSION.length + ID_LENGTH)
  if (!isId(user_id) || sortKey.length > SORT_KEY_LENGTH || !isWellFormedText(sortKey) || sortKey !== sortKey.trim()) return null
  return { sortKey, user_id }
}
