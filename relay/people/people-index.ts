// The relay's people, in memory, found by a prefix of any word of their name and listed a page at a time in name order.
import { normalizeForSearch, wordSuffixes } from '../../shared/people-search'
import { comparePositions, sortKeyOf, type PeoplePosition } from './people-cursor'

interface Person<P> extends PeoplePosition {
  /** The normalized name from each word's start (shared/people-search.ts). */
  readonly suffixes: readonly string[]
  profile: P
}

/** A later word start of one person's name (the first is found by name order): what a query is looked up among. */
interface Suffix<P> {
  readonly text: string
  readonly person: Person<P>
}

export interface PeoplePage<P> {
  people: P[]
  /** Where this page stopped, when more people match after it; null at the end. */
  next: PeoplePosition | null
}

/** First index of a sorted array where `before` no longer holds (binary search). */
const firstNotBefore = <T>(items: readonly T[], before: (item: T) => boolean): number => {
  let low = 0
  let high = items.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (before(items[middle]!)) low = middle + 1
    else high = middle
  }
  return low
}

/** The run [first, end) of a sorted array whose text starts with `wanted`. */
const runStartingWith = <T>(items: readonly T[], textOf: (item: T) => string, wanted: string): { first: number; end: number } => ({
  first: firstNotBefore(items, item => textOf(item) < wanted),
  end: firstNotBefore(items, item => textOf(item) < wanted || textOf(item).startsWith(wanted))
})

const compareTexts = <P>(a: Suffix<P>, b: Suffix<P>): number => a.text < b.text ? -1 : a.text > b.text ? 1 : 0

/** The order of word starts: by text, then by their people's name order. */
const compareSuffixes = <P>(a: Suffix<P>, b: Suffix<P>): number => compareTexts(a, b) || comparePositions(a.person, b.person)

/**
 * People of type P (the relay keeps profiles) by user id, kept in two sorted arrays: every person
 * by name (then id), and every later word start of every name (then name order). A query's matches are
 * a run of each (names starting with it, names with a later word starting with it); pages come
 * in name order.
 * NOTE: written here rather than taken from a library. Search libraries (minisearch, flexsearch,
 * lunr) rank by relevance and hand back every hit, with no stable order to page through; a
 * B+ tree (sorted-btree) would spare the splices of a profile change (about a millisecond at
 * 100,000 people, and rare) but cannot count a run without walking it, which is how a page
 * chooses its way (see page). Two sorted arrays and a binary search do both in a few lines.
 */
export class PeopleIndex<P> {
  private readonly byId = new Map<string, Person<P>>()
  private byName: Person<P>[] = []
  private bySuffix: Suffix<P>[] = []

  /** An index of `people` (the last of one id wins), sorted once. */
  static of<P>(people: Iterable<{ user_id: string; name: string; profile: P }>): PeopleIndex<P> {
    const index = new PeopleIndex<P>()
    for (const { user_id, name, profile } of people) index.byId.set(user_id, personOf(user_id, name, profile))
    index.byName = [...index.byId.values()].sort(comparePositions)
    // NOTE: made in name order and sorted by text alone: the sort is stable, so equal texts stay
    // in name order, as compareSuffixes has them, at 60% of the time of comparing both.
    index.bySuffix = index.byName.flatMap(person => person.suffixes.slice(1).map(text => ({ text, person }))).sort(compareTexts)
    return index
  }

  get size (): number { return this.byId.size }

  has (user_id: string): boolean { return this.byId.has(user_id) }

  /** Adds a person, or replaces what is known of them. */
  put (user_id: string, name: string, profile: P): void {
    const known = this.byId.get(user_id)
    const person = personOf(user_id, name, profile)
    if (known && known.suffixes[0] === person.suffixes[0]) {
      known.profile = profile
      return
    }
    if (known) this.remove(user_id)
    this.byId.set(user_id, person)
    this.byName.splice(firstNotBefore(this.byName, other => comparePositions(other, person) < 0), 0, person)
    for (const text of person.suffixes.slice(1)) {
      const suffix = { text, person }
      this.bySuffix.splice(firstNotBefore(this.bySuffix, other => compareSuffixes(other, suffix) < 0), 0, suffix)
    }
  }

  remove (user_id: string): void {
    const person = this.byId.get(user_id)
    if (!person) return
    this.byId.delete(user_id)
    const named = firstNotBefore(this.byName, other => comparePositions(other, person) < 0)
    if (this.byName[named] === person) this.byName.splice(named, 1)
    for (const text of person.suffixes.slice(1)) {
      const suffix: Suffix<P> = { text, person }
      const placed = firstNotBefore(this.bySuffix, other => compareSuffixes(other, suffix) < 0)
      if (this.bySuffix[placed]?.person === person) this.bySuffix.splice(placed, 1)
    }
  }

  /**
   * Up to `limit` people whose name has a word starting with `query` ('' for everyone), in name
   * order, each once, after `after` (null: from the start). A query is matched on as much of it
   * as a sort key holds (64 code units, normalized): a longer one finds a few more people.
   * NOTE: names whose first word matches are one run of the name order, already in page order;
   * those where only a later word does are scattered through it, and found one of two ways, the
   * cheaper taken. Gathering them from their run of word starts and sorting costs that run's
   * length; walking the names in order from `after` costs about limit × people / their number.
   * Few are gathered, many walked to (and a walk that finds them far sparser than average gives
   * up and gathers). Either way about √(limit × people) steps at worst: ~2,000 at 100,000 people.
   */
  page (query: string, after: PeoplePosition | null, limit: number): PeoplePage<P> {
    // NOTE: cut like a sort key, a query starts a name exactly when it starts the name's sort key.
    const wanted = sortKeyOf(normalizeForSearch(query))
    const start = after === null ? 0 : firstNotBefore(this.byName, person => comparePositions(person, after) <= 0)
    if (wanted === '') return pageOf(this.byName.slice(start, start + limit + 1), limit)
    const laterWords = runStartingWith(this.bySuffix, suffix => suffix.text, wanted)
    const scattered = laterWords.end - laterWords.first
    const walkSteps = ((limit + 1) * this.byName.length) / scattered
    if (scattered > walkSteps) {
      const walked = this.walk(wanted, start, limit, 4 * walkSteps + limit)
      if (walked) return walked
    }
    const firstWords = runStartingWith(this.byName, person => person.sortKey, wanted)
    const from = Math.max(start, firstWords.first)
    const startingWith = this.byName.slice(from, Math.max(from, Math.min(firstWords.end, from + limit + 1)))
    const onlyLater = firstAfter(this.bySuffix, laterWords, after, limit + 1, person => !person.sortKey.startsWith(wanted))
    return pageOf(mergeSorted(startingWith, onlyLater, limit + 1), limit)
  }

  /** The page found by walking the names from `start`; null if that takes more than `budget` steps. */
  private walk (wanted: string, start: number, limit: number, budget: number): PeoplePage<P> | null {
    const found: Person<P>[] = []
    const stop = Math.min(this.byName.length, start + budget)
    for (let at = start; at < stop && found.length <= limit; at++) {
      const person = this.byName[at]!
      if (person.suffixes.some(suffix => suffix.startsWith(wanted))) found.push(person)
    }
    return found.length > limit || stop === this.byName.length ? pageOf(found, limit) : null
  }
}

/**
 * The first `count` people in name order after `after` (null: from the start) among the people
 * of the word starts [run.first, run.end) that are `wanted`, each once. NOTE: kept in a short
 * sorted list; most people are past its last once it is full, and cost one comparison.
 */
const firstAfter = <P>(
  suffixes: readonly Suffix<P>[], run: { first: number; end: number }, after: PeoplePosition | null, count: number,
  wanted: (person: Person<P>) => boolean
): Person<P>[] => {
  const first: Person<P>[] = []
  for (let at = run.first; at < run.end; at++) {
    const { person } = suffixes[at]!
    if (after !== null && comparePositions(person, after) <= 0) continue
    if (first.length === count && comparePositions(person, first[count - 1]!) >= 0) continue
    if (!wanted(person)) continue
    const place = firstNotBefore(first, other => comparePositions(other, person) < 0)
    if (first[place] === person) continue
    first.splice(place, 0, person)
    if (first.length > count) first.pop()
  }
  return first
}

/** The first `count` of two lists in name order, merged. */
const mergeSorted = <P>(a: readonly Person<P>[], b: readonly Person<P>[], count: number): Person<P>[] => {
  const merged: Person<P>[] = []
  let i = 0
  let j = 0
  while (merged.length < count && (i < a.length || j < b.length)) {
    merged.push(j >= b.length || (i < a.length && comparePositions(a[i]!, b[j]!) < 0) ? a[i++]! : b[j++]!)
  }
  return merged
}

const personOf = <P>(user_id: string, name: string, profile: P): Person<P> => {
  const normalized = normalizeForSearch(name)
  return { user_id, sortKey: sortKeyOf(normalized), suffixes: wordSuffixes(normalized), profile }
}

/** The first `limit` of `found` (in order), and where they stop when there are more. */
const pageOf = <P>(found: readonly Person<P>[], limit: number): PeoplePage<P> => {
  const people = found.slice(0, limit)
  const last = people[people.length - 1]
  return {
    people: people.map(person => person.profile),
    next: found.length > limit && last ? { sortKey: last.sortKey, user_id: last.user_id } : null
  }
}
