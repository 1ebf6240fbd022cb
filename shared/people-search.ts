// How a name is matched by a search for people: one normal form for names and queries, and the word starts a query may match at.

const HAS_MARK = /\p{M}/u
const MARKS = /\p{M}+/gu
const SPACES = /\s+/gu
/** White space other than single spaces between words. */
const UNEVEN_SPACE = /^\s|\s$|\s\s|[^\S ]/u

/**
 * A name or query as searches compare it: compatibility forms unfolded (NFKD: full-width and
 * ligature letters become plain ones), combining marks dropped (é → e, й → и), lower case,
 * runs of white space made one space, none at either end.
 * NOTE: `toLowerCase`, not `toLocaleLowerCase`: the relay and every client must agree whatever
 * their locale. Final sigma (ς) is made σ, which `toLowerCase` writes at a word's end only, so
 * that a query stopping mid-word still matches. Marks are dropped in every script, so Japanese
 * voicing marks go too (ガ matches カ), as accents do in Latin.
 */
export const normalizeForSearch = (text: string): string => {
  // NOTE: each replacement only where needed: most names need none, and a relay starting with
  // 100,000 profiles normalizes them all (this halves that).
  let normal = text.normalize('NFKD')
  if (HAS_MARK.test(normal)) normal = normal.replace(MARKS, '')
  normal = normal.toLowerCase()
  if (normal.includes('ς')) normal = normal.replaceAll('ς', 'σ')
  return UNEVEN_SPACE.test(normal) ? normal.replace(SPACES, ' ').trim() : normal
}

/**
 * What a query may start with to match a normalized name: the name from each word's start
 * ("ada lovelace" → "ada lovelace", "lovelace"). A query of several words ("ada lov") matches
 * across them; a name written without spaces (山田太郎) has one word, matched from its start.
 */
export const wordSuffixes = (normalized: string): string[] => {
  const suffixes = normalized === '' ? [] : [normalized]
  for (let at = normalized.indexOf(' '); at !== -1; at = normalized.indexOf(' ', at + 1)) suffixes.push(normalized.slice(at + 1))
  return suffixes
}

/** Whether a search for `query` finds the name `name` (both as written); '' finds everyone. */
export const nameMatches = (name: string, query: string): boolean => {
  const wanted = normalizeForSearch(query)
  return wordSuffixes(normalizeForSearch(name)).some(suffix => suffix.startsWith(wanted)) || wanted === ''
}
