// A read-only, validated view of a Y.Map whose entries were written by other peers.
import type * as Y from 'yjs'
import type { InvalidReason, Parsed } from '../../shared/model'
import { sameJson } from '../rebuild'

export type Parse<T> = (value: unknown, key: string) => Parsed<T>

/**
 * A Y.Map that may be replaced by another (a room's root map, when the room's document is
 * rebuilt: see Replica); `onMoved` is told after `map` changed, and returns the unsubscribe function.
 */
export interface MapSource {
  readonly map: Y.Map<unknown>
  onMoved(listener: () => void): () => void
}

/**
 * Keeps the parsed value of every valid entry and counts the invalid ones, re-parsing only
 * the keys a transaction touched. Invalid entries are never handed out.
 */
export class ValidatedMap<T> {
  private readonly valid = new Map<string, T>()
  private readonly invalid = new Map<string, InvalidReason>()
  private readonly listeners = new Set<(keys: ReadonlySet<string>) => void>()
  private map: Y.Map<unknown>
  private readonly unfollow: () => void

  constructor (
    source: Y.Map<unknown> | MapSource,
    private readonly parse: Parse<T>
  ) {
    const followed = 'onMoved' in source ? source : null
    this.map = followed ? followed.map : source as Y.Map<unknown>
    for (const key of this.map.keys()) this.refresh(key)
    this.map.observe(this.onMapChange)
    this.unfollow = followed ? followed.onMoved(() => this.move(followed.map)) : () => {}
  }

  /**
   * Follows another map: listeners are told the keys whose values differ between the two.
   * NOTE: an entry whose value is the same keeps its parsed value, so that views over this one
   * (VerifiedMap's verdicts) keep what they know of it; values are JSON (the relay refuses
   * nested types).
   */
  private move (next: Y.Map<unknown>): void {
    const previous = this.map
    if (next === previous) return
    previous.unobserve(this.onMapChange)
    this.map = next
    next.observe(this.onMapChange)
    const changed = new Set<string>()
    for (const key of new Set([...previous.keys(), ...next.keys()])) {
      if (previous.has(key) && next.has(key) && sameJson(previous.get(key), next.get(key))) continue
      this.refresh(key)
      changed.add(key)
    }
    if (changed.size > 0) for (const listener of [...this.listeners]) listener(changed)
  }

  private readonly onMapChange = (event: Y.YMapEvent<unknown>) => {
    for (const key of event.keysChanged) this.refresh(key)
    for (const listener of this.listeners) listener(event.keysChanged)
  }

  private refresh (key: string): void {
    this.valid.delete(key)
    this.invalid.delete(key)
    if (!this.map.has(key)) return
    let parsed: Parsed<T>
    try {
      parsed = this.parse(this.map.get(key), key)
    } catch {
      // A parser must not throw, but foreign data must never take the client down either.
      parsed = { ok: false, reason: 'not-an-object' }
    }
    if (parsed.ok) this.valid.set(key, parsed.value)
    else this.invalid.set(key, parsed.reason)
  }

  get (key: string): T | undefined { return this.valid.get(key) }

  has (key: string): boolean { return this.valid.has(key) }

  /** The keys of the valid entries. */
  keys (): IterableIterator<string> { return this.valid.keys() }

  values (): IterableIterator<T> { return this.valid.values() }

  get size (): number { return this.valid.size }

  /** How many entries are currently skipped as invalid. */
  get skipped (): number { return this.invalid.size }

  /** Why each skipped entry was skipped, by key. */
  skippedReasons (): ReadonlyMap<string, InvalidReason> { return this.invalid }

  /** Called with the keys that changed (valid or not); returns the unsubscribe function. */
  onChange (listener: (keys: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  destroy (): void {
    this.unfollow()
    this.map.unobserve(this.onMapChange)
    this.listeners.clear()
  }
}
