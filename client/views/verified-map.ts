// A validated view of a Y.Map of signed entries: an entry is handed out only once its signature verifies against its signer's public key.
import type * as Y from 'yjs'
import type { Identity } from '../../shared/identity'
import type { User } from '../../shared/model'
import { ValidatedMap, type MapSource, type Parse } from './validated-map'

/** Public keys by user id, as far as they are known. */
export interface PublicKeys {
  /** The user's raw Ed25519 public key (base64url), or null while no valid profile of theirs is known. */
  publicKeyOf(user_id: string): string | null
  /** Called when profiles change, so that entries waiting for a key are checked; returns the unsubscribe function. */
  onChange(listener: () => void): () => void
}

/**
 * Keys from the directory's validated profiles, and one's own from one's identity (so one's
 * own writes verify before one's profile is published). NOTE: trustworthy even from a hostile
 * relay: parseUser accepts a profile only if its user_id is derived from its public key.
 */
export const directoryKeys = (me: Identity, users: ValidatedMap<User>): PublicKeys => ({
  publicKeyOf: user_id => user_id === me.user_id ? me.public_key : users.get(user_id)?.public_key ?? null,
  onChange: listener => users.onChange(() => listener())
})

/** How to check one kind of signed entry. */
export interface Signed<T> {
  /** Who must have signed the entry. */
  signerOf(value: T): string
  /** Resolves false (never rejects) for a signature that does not verify. */
  verify(value: T, publicKey: string): Promise<boolean>
}

/** Where an entry's current version stands. */
export type Standing = 'unchecked' | 'checking' | 'genuine' | 'forged' | 'awaiting-key'

interface Verdict<T> {
  readonly value: T
  state: 'unchecked' | 'checking' | 'genuine' | 'forged'
}

export interface VerifiedMapOptions {
  /**
   * Check the versions there when the view is made (and those whose signer's key arrives
   * later) only when asked (`verify`); changes that arrive meanwhile are still checked at once.
   * NOTE: a bucket holds up to 1,000 messages and a page shows 50: checking every signature
   * before the first page (~70 µs each) was most of the time to open a conversation.
   */
  onDemand?: boolean
}

/**
 * NOTE: a verdict belongs to one parsed version of an entry (ValidatedMap parses a key again
 * only when it changes), so each version is verified once; and since it is tied to the version
 * itself rather than to its (id, signature), a forger who pairs a genuine signature with other
 * fields can never inherit its verdict. While a new version is being checked, the previous
 * genuine one stays visible, so readers see no flicker; a version that fails is hidden and
 * counted; one whose signer has no known key waits, unshown, until their profile arrives.
 * With `onDemand`, what `unverified` counts is what has been checked so far.
 */
export class VerifiedMap<T extends { readonly signature: string }> {
  private readonly source: ValidatedMap<T>
  private readonly verdicts = new Map<string, Verdict<T>>()
  /** What is handed out: the newest genuine version of each key. */
  private readonly shown = new Map<string, T>()
  private readonly forged = new Set<string>()
  private readonly waiting = new Set<string>()
  /** Keys whose current version awaits its signature check (run together, a microtask later). */
  private readonly queued = new Set<string>()
  private scheduled: Promise<void> | null = null
  private readonly running = new Set<Promise<void>>()
  private readonly listeners = new Set<(keys: ReadonlySet<string>) => void>()
  private readonly unsubscribers: Array<() => void>
  private destroyed = false

  private readonly onDemand: boolean

  constructor (
    map: Y.Map<unknown> | MapSource,
    parse: Parse<T>,
    private readonly keys: PublicKeys,
    private readonly signed: Signed<T>,
    { onDemand = false }: VerifiedMapOptions = {}
  ) {
    this.onDemand = onDemand
    this.source = new ValidatedMap(map, parse)
    this.unsubscribers = [
      this.source.onChange(changed => this.check(changed, true)),
      keys.onChange(() => this.checkWaiting())
    ]
    this.check(new Set(this.source.keys()), !onDemand)
  }

  /** Profiles changed: checks the entries whose signer's key has just become known. */
  private checkWaiting (): void {
    const ready = new Set<string>()
    for (const key of this.waiting) {
      const value = this.source.get(key)
      if (value === undefined || this.keys.publicKeyOf(this.signed.signerOf(value)) !== null) ready.add(key)
    }
    if (ready.size > 0) this.check(ready, !this.onDemand)
  }

  /** Takes note of changed keys: what can be decided now is; signatures are checked shortly, or when asked unless `now`. */
  private check (changed: ReadonlySet<string>, now: boolean): void {
    if (this.destroyed) return
    for (const key of changed) {
      const value = this.source.get(key)
      if (value !== undefined && this.verdicts.get(key)?.value === value) continue
      this.verdicts.delete(key)
      this.forged.delete(key)
      this.waiting.delete(key)
      const publicKey = value === undefined ? null : this.keys.publicKeyOf(this.signed.signerOf(value))
      if (value === undefined || publicKey === null) {
        // Gone, invalid now, or by someone whose key is not known yet: nothing to show.
        this.shown.delete(key)
        if (value !== undefined) this.waiting.add(key)
        continue
      }
      if (now) {
        this.verdicts.set(key, { value, state: 'checking' })
        this.queued.add(key)
      } else {
        // The previous genuine version (if any) is not shown meanwhile: this one replaced it.
        this.shown.delete(key)
        this.verdicts.set(key, { value, state: 'unchecked' })
      }
    }
    this.schedule()
    this.emit(changed)
  }

  private schedule (): void {
    if (this.queued.size > 0 && this.scheduled === null) {
      this.scheduled = Promise.resolve().then(() => {
        this.scheduled = null
        this.verifyQueued()
      })
    }
  }

  /**
   * Checks the current versions of `keys` not checked yet (in one batch with whatever else is
   * queued); resolves once they are decided. Keys whose signer's key is unknown stay waiting.
   */
  async verify (keys: Iterable<string>): Promise<void> {
    for (const key of keys) {
      const verdict = this.verdicts.get(key)
      if (verdict?.state !== 'unchecked') continue
      verdict.state = 'checking'
      this.queued.add(key)
    }
    this.schedule()
    await this.settled()
  }

  /** Verifies every queued version at once, and tells listeners once they are decided. */
  private verifyQueued (): void {
    if (this.destroyed) return
    const batch: Array<{ key: string; verdict: Verdict<T>; publicKey: string }> = []
    for (const key of this.queued) {
      const verdict = this.verdicts.get(key)
      if (verdict?.state !== 'checking') continue
      const publicKey = this.keys.publicKeyOf(this.signed.signerOf(verdict.value))
      if (publicKey) {
        batch.push({ key, verdict, publicKey })
      } else {
        // The signer's key is no longer known (their profile was replaced): wait for it again.
        this.verdicts.delete(key)
        this.shown.delete(key)
        this.waiting.add(key)
      }
    }
    this.queued.clear()
    if (batch.length === 0) return
    const run = Promise.all(batch.map(({ verdict, publicKey }) => this.signed.verify(verdict.value, publicKey).catch(() => false)))
      .then(results => {
        this.running.delete(run)
        const decided = new Set<string>()
        batch.forEach(({ key, verdict }, i) => {
          // Superseded by a newer version, or trusted meanwhile: this result is moot.
          if (this.verdicts.get(key) !== verdict || verdict.state !== 'checking') return
          this.decide(key, verdict, results[i] === true)
          decided.add(key)
        })
        if (decided.size > 0) this.emit(decided)
      })
    this.running.add(run)
  }

  private decide (key: string, verdict: Verdict<T>, genuine: boolean): void {
    verdict.state = genuine ? 'genuine' : 'forged'
    if (genuine) {
      this.shown.set(key, verdict.value)
    } else {
      this.shown.delete(key)
      this.forged.add(key)
    }
  }

  /**
   * Marks the current version of `key` genuine without checking it: for one's own write, right
   * after making it. NOTE: only if it carries the signature one has just made, which nobody
   * else can have made for other content.
   */
  trust (key: string, signature: string): void {
    const value = this.source.get(key)
    if (this.destroyed || value === undefined || value.signature !== signature) return
    const known = this.verdicts.get(key)
    if (known?.value === value && known.state === 'genuine') return
    const verdict: Verdict<T> = { value, state: 'checking' }
    this.verdicts.set(key, verdict)
    this.waiting.delete(key)
    this.forged.delete(key)
    this.decide(key, verdict, true)
    this.emit(new Set([key]))
  }

  /**
   * Resolves once every version queued so far has been checked (or waits for its signer's key).
   * NOTE: with `onDemand`, versions nobody asked about stay unchecked: see `verify`.
   */
  async settled (): Promise<void> {
    while (!this.destroyed && (this.scheduled !== null || this.running.size > 0)) {
      await Promise.allSettled([this.scheduled, ...this.running])
    }
  }

  /** Whether the current version of `key` is being checked (`get` still gives the previous genuine one). */
  isChecking (key: string): boolean { return this.verdicts.get(key)?.state === 'checking' }

  /** Where the current version of `key` stands; undefined when there is no valid version. */
  standing (key: string): Standing | undefined {
    if (this.waiting.has(key)) return 'awaiting-key'
    return this.verdicts.get(key)?.state
  }

  /**
   * The current valid version of `key`, checked or not. NOTE: for placing entries (sorting a
   * history) only, never for showing them: what may be shown comes from `get` and `values`.
   */
  unchecked (key: string): T | undefined { return this.source.get(key) }

  /** The keys of every valid version, checked or not. */
  validKeys (): IterableIterator<string> { return this.source.keys() }

  /** How many entries the map holds, valid or not (cheaper than Y.Map's size, which walks it). */
  get entries (): number { return this.source.size + this.source.skipped }

  get (key: string): T | undefined { return this.shown.get(key) }

  has (key: string): boolean { return this.shown.has(key) }

  values (): IterableIterator<T> { return this.shown.values() }

  get size (): number { return this.shown.size }

  /** Entries skipped as invalid before any signature check. */
  get skipped (): number { return this.source.skipped }

  /**
   * Entries whose signature does not verify against their signer's key: never handed out.
   * NOTE: with `onDemand`, among those checked so far (what was asked for, and live changes).
   */
  get unverified (): number { return this.forged.size }

  /** Entries whose signer's key is not known yet. */
  get awaitingKey (): number { return this.waiting.size }

  /** Called with the keys that changed or were decided; returns the unsubscribe function. */
  onChange (listener: (keys: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private emit (keys: ReadonlySet<string>): void {
    if (this.destroyed || keys.size === 0) return
    for (const listener of [...this.listeners]) listener(keys)
  }

  /** Stops watching; the view's source map is released too. */
  destroy (): void {
    this.destroyed = true
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    this.source.destroy()
    this.listeners.clear()
    this.queued.clear()
  }
}
