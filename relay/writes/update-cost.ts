// A cheap, pure pre-check of an incoming Yjs update (v1), run before Yjs: refuses what would cost Yjs far more than its size.
import * as decoding from 'lib0/decoding'

/** Why an update is refused; the relay maps each to a close code (or, for missing dependencies, may hold it and wait). */
export const UPDATE_COST_REASONS = [
  'malformed', // unreadable, or as no Yjs encoder writes: trailing bytes, empty or repeated client runs, empty or forward-pointing structs
  'skip', // a Skip struct: a declared hole in a client's history
  'missing-dependencies', // a clock gap, or a reference or deletion past what the relay and the update hold together
  'dependency-cycle', // all it needs is in the update, but in a cycle: Yjs would apply none of it and keep it pending
  'clock-overflow', // a clock beyond maxClock
  'subdocument', // a subdocument, while allowSubdocuments is off
  'merge-cost', // chained array items that Yjs would merge by copying ever longer arrays
  'too-many-structs', // more structs than maxStructs: refused from the run headers, before any is read
  'gc-struct', // a GC struct, while allowGcStructs is off
  'unknown-root' // a struct naming a root type outside `roots`
] as const
export type UpdateCostReason = typeof UPDATE_COST_REASONS[number]

export interface UpdateCostLimits {
  maxClock: number
  maxMergeCopies: number
  allowSubdocuments: boolean
  maxStructs: number
  allowGcStructs: boolean
  /**
   * The root types a struct may name (none: any). NOTE: Yjs creates each root an update names
   * in the document as it reads the struct, even one it then skips as already held: a review
   * added 5,000 empty roots to a room with one accepted 74 KB update of known clocks, and every
   * later update's judge paid for them.
   */
  roots: ReadonlySet<string> | null
}

export const DEFAULT_UPDATE_COST_LIMITS: UpdateCostLimits = {
  /** Highest clock a struct or deletion may reach: no session inserts a trillion items, and clocks stay exact (< 2^53). */
  maxClock: 2 ** 40,
  /** Array elements Yjs may copy merging chained ContentAny/ContentJSON items: ~80 ns each, so ≤ ~10 ms an update. */
  maxMergeCopies: 100_000,
  /** Parley has no subdocuments; each costs Yjs a whole Y.Doc for a few bytes. */
  allowSubdocuments: false,
  /**
   * Structs in one update. NOTE: the cheapest structs cost the relay about 20 µs each (this check
   * and the room's apply: measured with chains of tiny items, ~1 µs per byte of update), so
   * one 4 MiB frame of them held the relay for seconds; 10,000 bound a frame to a fifth of a second.
   * An honest client sends only what it wrote since its last sync: a full bucket is 2,000 messages.
   */
  maxStructs: 10_000,
  /**
   * NOTE: Parley's documents hold no nested types, so an honest client never sends a GC struct;
   * each one costs Yjs work and a client id in the room for good (a 4 MB flood of them: ~5 s).
   */
  allowGcStructs: false,
  roots: null
}

/** The first ID an update needs that neither the relay nor the update holds. */
export interface MissingId { client: number; clock: number }

export type UpdateCostVerdict =
  /** `from`: each Yjs client id the update has structs of, and the clock its structs start at. */
  | { ok: true; structs: number; deletes: number; from: Map<number, number> }
  | { ok: false; reason: Exclude<UpdateCostReason, 'missing-dependencies'> }
  | { ok: false; reason: 'missing-dependencies'; on: MissingId }

/** What the relay's document already holds. */
export interface KnownState {
  /** Its clock per client: a Map, or a live view such as `{ get: client => Y.getState(doc.store, client) }`. */
  readonly stateVector: Pick<ReadonlyMap<number, number>, 'get'>
}
type Clocks = KnownState['stateVector']

/** A struct's clock range, where the IDs it needs from other clients sit in `needs`, and the runs waiting for it. */
interface Struct { clock: number; end: number; firstNeed: number; endNeed: number; waiting: Run[] | null }
/** One client's structs in the update, and how far the simulated integration got. */
interface Run { client: number; structs: Struct[]; next: number }
/** A ContentAny/ContentJSON item; `chained` when Yjs would merge it into the item just before. */
interface ArrayItem { client: number; clock: number; end: number; chained: boolean }

class Refusal extends Error {
  constructor (readonly reason: UpdateCostReason, readonly on: MissingId = { client: 0, clock: 0 }) { super(reason) }
}
const refuse = (reason: Exclude<UpdateCostReason, 'missing-dependencies'>): never => { throw new Refusal(reason) }
const missing = (client: number, clock: number): never => { throw new Refusal('missing-dependencies', { client, clock }) }

// NOTE: lib0's readUint8 and readVarInt read past the end without throwing; their first byte is checked here.
const readByte = (decoder: decoding.Decoder): number =>
  decoder.pos < decoder.arr.length ? decoding.readUint8(decoder) : refuse('malformed')
/** Steps over a length-prefixed string or buffer without decoding it; Yjs refuses bad UTF-8 before applying anything. */
/** A parent's root name, refused unless `limits.roots` allows it. */
const readRootName = (decoder: decoding.Decoder, limits: UpdateCostLimits): void => {
  if (limits.roots === null) return skipString(decoder)
  if (!limits.roots.has(decoding.readVarString(decoder))) refuse('unknown-root')
}

const skipString = (decoder: decoding.Decoder): void => {
  const length = decoding.readVarUint(decoder)
  decoder.pos = length <= decoder.arr.length - decoder.pos ? decoder.pos + length : refuse('malformed')
}

/** Steps over `count` lib0 `any` values without building them; iterative, so deep nesting costs no stack. */
const skipAnys = (decoder: decoding.Decoder, count: number): void => {
  const frames = [{ left: count, keyed: false }]
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!
    if (frame.left === 0) { frames.pop(); continue }
    frame.left--
    if (frame.keyed) skipString(decoder)
    switch (readByte(decoder)) {
      case 127: case 126: case 121: case 120: break
      case 125: if (decoder.pos >= decoder.arr.length) refuse('malformed'); decoding.readVarInt(decoder); break
      case 124: decoding.readUint8Array(decoder, 4); break
      case 123: case 122: decoding.readUint8Array(decoder, 8); break
      case 119: case 116: skipString(decoder); break
      case 118: frames.push({ left: decoding.readVarUint(decoder), keyed: true }); break
      case 117: frames.push({ left: decoding.readVarUint(decoder), keyed: false }); break
      default: refuse('malformed')
    }
  }
}

/** Steps over an item's content as Yjs' readItemContent reads it, and returns its length in clock ticks. */
const readContentLength = (decoder: decoding.Decoder, kind: number, limits: UpdateCostLimits): number => {
  switch (kind) {
    case 1: return decoding.readVarUint(decoder) // ContentDeleted
    case 2: { // ContentJSON
      const count = decoding.readVarUint(decoder)
      for (let i = 0; i < count; i++) skipString(decoder)
      return count
    }
    case 4: return decoding.readVarString(decoder).length // ContentString, in UTF-16 units as Yjs counts it
    case 3: case 5: skipString(decoder); return 1 // ContentBinary, ContentEmbed
    case 6: skipString(decoder); skipString(decoder); return 1 // ContentFormat
    case 7: { // ContentType: YArray, YMap, YText, YXmlElement (named), YXmlFragment, YXmlHook (named), YXmlText
      const type = decoding.readVarUint(decoder)
      if (type > 6) refuse('malformed')
      if (type === 3 || type === 5) skipString(decoder)
      return 1
    }
    case 8: { const count = decoding.readVarUint(decoder); skipAnys(decoder, count); return count } // ContentAny
    case 9: // ContentDoc
      if (!limits.allowSubdocuments) refuse('subdocument')
      skipString(decoder); skipAnys(decoder, 1)
      return 1
    default: return refuse('malformed')
  }
}

/** The index of the last entry starting at or before `clock` in entries sorted by start, or -1. */
const lastStartingBy = <T>(entries: readonly T[], clock: number, startOf: (entry: T) => number): number => {
  let low = 0
  let high = entries.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    if (startOf(entries[middle]!) <= clock) low = middle + 1
    else high = middle - 1
  }
  return high
}

/** Reads an ID and notes it if another client's; one of the item's own client must precede it, or Yjs throws mid-apply. */
const readId = (decoder: decoding.Decoder, needs: number[], client: number, clock: number): [number, number] => {
  const id: [number, number] = [decoding.readVarUint(decoder), decoding.readVarUint(decoder)]
  if (id[0] !== client) needs.push(id[0], id[1])
  else if (id[1] >= clock) refuse('malformed')
  return id
}

/** Reads the structs into runs, noting what each needs (other clients' IDs) and which array items chain. */
const readStructs = (decoder: decoding.Decoder, known: Clocks, limits: UpdateCostLimits) => {
  const runs = new Map<number, Run>()
  const needs: number[] = []
  const arrayItems: ArrayItem[] = []
  const runCount = decoding.readVarUint(decoder)
  let structCount = 0
  for (let r = 0; r < runCount; r++) {
    const count = decoding.readVarUint(decoder)
    structCount += count
    if (structCount > limits.maxStructs) refuse('too-many-structs')
    const client = decoding.readVarUint(decoder)
    let clock = decoding.readVarUint(decoder)
    // NOTE: Yjs keeps only the last run of a repeated client; counting both could hide one from this check.
    if (count === 0 || runs.has(client)) refuse('malformed')
    const run: Run = { client, structs: [], next: 0 }
    runs.set(client, run)
    let previous = { kind: 0, right: '' }
    for (let s = 0; s < count; s++) {
      const info = readByte(decoder)
      const kind = info & 31
      const firstNeed = needs.length
      let length: number
      let chainsOn = false
      let right = ''
      if (kind === 0) length = decoding.readVarUint(decoder) // GC
      else if (kind === 10) length = refuse('skip') // NOTE: Yjs' applyUpdate reads any info with these low bits as a Skip.
      else {
        const origin = (info & 128) !== 0 ? readId(decoder, needs, client, clock) : null
        right = (info & 64) !== 0 ? readId(decoder, needs, client, clock).join(':') : ''
        if ((info & 192) === 0) { // the parent: a root type's name or its item's ID, then a map key if any
          if (decoding.readVarUint(decoder) === 1) readRootName(decoder, limits)
          else readId(decoder, needs, client, clock)
          if ((info & 32) !== 0) skipString(decoder)
        }
        chainsOn = origin !== null && origin[0] === client && origin[1] === clock - 1
        length = readContentLength(decoder, kind, limits)
      }
      if (length === 0) refuse('malformed')
      const end = clock + length
      if (end > limits.maxClock) refuse('clock-overflow')
      if (kind === 0 && !limits.allowGcStructs) refuse('gc-struct')
      run.structs.push({ clock, end, firstNeed, endNeed: needs.length, waiting: null })
      if (kind === 2 || kind === 8) {
        const chained = chainsOn && previous.kind === kind && previous.right === right && clock >= (known.get(client) ?? 0)
        arrayItems.push({ client, clock, end, chained })
      }
      previous = { kind, right }
      clock = end
    }
  }
  return { runs, needs, arrayItems }
}

/** Reads the delete set: each client's [start, end) ranges. */
const readDeletes = (decoder: decoding.Decoder, limits: UpdateCostLimits): Map<number, Array<[number, number]>> => {
  const deletes = new Map<number, Array<[number, number]>>()
  const clientCount = decoding.readVarUint(decoder)
  for (let c = 0; c < clientCount; c++) {
    const client = decoding.readVarUint(decoder)
    const ranges = deletes.get(client) ?? []
    deletes.set(client, ranges)
    for (let r = decoding.readVarUint(decoder); r > 0; r--) {
      const start = decoding.readVarUint(decoder)
      const end = start + decoding.readVarUint(decoder)
      if (end > limits.maxClock) refuse('clock-overflow')
      ranges.push([start, end])
    }
  }
  return deletes
}

/**
 * Integrates the runs as Yjs would, without its cost, and returns each client's clock afterwards. A run advances while
 * its next struct follows the known clock and all it needs is known; else it waits for the struct holding that need.
 */
const integrate = (runs: Map<number, Run>, needs: number[], known: Clocks): (client: number) => number => {
  const reached = new Map<number, number>()
  const clockOf = (client: number): number => reached.get(client) ?? known.get(client) ?? 0
  const ready = [...runs.values()]
  for (let run = ready.pop(); run !== undefined; run = ready.pop()) {
    advance: while (run.next < run.structs.length) {
      const struct = run.structs[run.next]!
      if (struct.clock > clockOf(run.client)) missing(run.client, clockOf(run.client))
      for (let n = struct.firstNeed; n < struct.endNeed; n += 2) {
        const [client, clock] = [needs[n]!, needs[n + 1]!]
        if (clock < clockOf(client)) continue
        const provider = runs.get(client)?.structs ?? []
        const awaited = provider[lastStartingBy(provider, clock, entry => entry.clock)]
        if (awaited === undefined || awaited.end <= clock) return missing(client, clock)
        awaited.waiting ??= []
        awaited.waiting.push(run)
        break advance
      }
      run.next++
      reached.set(run.client, Math.max(clockOf(run.client), struct.end))
      for (const waiter of struct.waiting ?? []) ready.push(waiter)
    }
  }
  for (const run of runs.values()) if (run.next < run.structs.length) refuse('dependency-cycle')
  return clockOf
}

/**
 * Array elements Yjs would copy merging chained items. NOTE: Yjs merges a chained ContentAny/ContentJSON item into the
 * one before with Array#concat, so a run of k items copies ~k²/2 elements. Items this update deletes turn into
 * ContentDeleted first and break runs (with gc on, as in the relay); a range the search misses only adds copies.
 */
const mergeCopies = (arrayItems: ArrayItem[], deletes: Map<number, Array<[number, number]>>): number => {
  let copies = 0
  let merged = 0
  let previousLive = false
  for (const item of arrayItems) {
    const ranges = deletes.get(item.client) ?? []
    const range = ranges[lastStartingBy(ranges, item.clock, ([start]) => start)]
    const live = range === undefined || range[1] <= item.clock
    const merges = item.chained && live && previousLive
    merged = (merges ? merged : 0) + item.end - item.clock
    if (merges) copies += merged
    previousLive = live
  }
  return copies
}

/**
 * Prices `update` against what the relay holds, in time linear in its bytes (never in a length field's value).
 * `ok` means Yjs can apply all of it at once, leaving nothing pending, without superlinear merge work.
 */
export const checkUpdateCost = (update: Uint8Array, state: KnownState, limits: Partial<UpdateCostLimits> = {}): UpdateCostVerdict => {
  const allLimits = { ...DEFAULT_UPDATE_COST_LIMITS, ...limits }
  try {
    const decoder = decoding.createDecoder(update)
    const { runs, needs, arrayItems } = readStructs(decoder, state.stateVector, allLimits)
    const deletes = readDeletes(decoder, allLimits)
    if (decoder.pos !== update.length) refuse('malformed')
    const clockOf = integrate(runs, needs, state.stateVector)
    // NOTE: Yjs keeps deletions of what it lacks as a pending delete set, and re-applies it on every later update.
    for (const [client, ranges] of deletes) {
      for (const [start, end] of ranges) if (start >= clockOf(client) || end > clockOf(client)) missing(client, Math.max(start, clockOf(client)))
    }
    if (mergeCopies(arrayItems, deletes) > allLimits.maxMergeCopies) refuse('merge-cost')
    const structs = [...runs.values()].reduce((sum, run) => sum + run.structs.length, 0)
    const from = new Map([...runs.values()].map(run => [run.client, run.structs[0]!.clock]))
    return { ok: true, structs, deletes: [...deletes.values()].reduce((sum, ranges) => sum + ranges.length, 0), from }
  } catch (error) {
    // NOTE: lib0 throws plain errors on truncated input; whatever cannot be read is refused, never applied.
    if (!(error instanceof Refusal)) return { ok: false, reason: 'malformed' }
    return error.reason === 'missing-dependencies' ? { ok: false, reason: error.reason, on: error.on } : { ok: false, reason: error.reason }
  }
}
