// Remembers the nonces of accepted tokens until they expire, so that no token is accepted twice, in memory bounded far above what one relay can fill.
import { createHmac, randomBytes } from 'node:crypto'
import { MAX_CLOCK_SKEW_MS, TOKEN_LIFETIME_MS } from '../../shared/connect-token'

/**
 * The longest a nonce must be remembered after it is admitted: a token dated the allowed clock
 * skew ahead, valid for its lifetime and the skew again after its date, and remembered one skew
 * more (authenticate.ts): 420 s.
 */
export const LONGEST_NONCE_LIFE_MS = MAX_CLOCK_SKEW_MS + TOKEN_LIFETIME_MS + 2 * MAX_CLOCK_SKEW_MS

/**
 * The most tokens one relay process can check in a second, whatever else it does not do.
 * NOTE: measured with readConnectToken and verifyTokenSignature over 5,000 fresh tokens: 80 µs
 * each on the reference machine when quiet (token-signature.ts), 145–340 µs on it while other
 * work shared its two cores. Admitting a connection costs far more than checking its token:
 * ~600 µs of relay CPU per connection opened and closed in a loop (upgrade, handshake, token,
 * connection), so about 1,700 admissions a second.
 */
export const MAX_TOKEN_CHECKS_PER_SECOND = 12_500

/**
 * Nonces are kept in tables, each taking the nonces of up to this long (or until it is full),
 * and each let go of once the last nonce in it has expired: a nonce may be kept this much
 * longer than it must.
 */
export const TABLE_SPAN_MS = 30_000

/**
 * Beyond this many live nonces the relay refuses new connections (`busy`) rather than forget one.
 * NOTE: 2^26 = 67M. Checking tokens and doing nothing else at the fastest rate measured, one
 * process admits at most 12,500 × 450 s = 5.6M nonces while the first of them is still kept
 * (the longest life and a table's span): a full guard needs 12× that, and 45–90× what it can
 * really admit (1,700–3,300 connections a second over 450 s). The 1M it held before was within
 * 2× of the first figure. Memory: 8 bytes a slot, tables at most 3/4 full, so ~10.7 bytes a
 * nonce and 688 MiB when full (bytesWhenFull); 8 KiB per 30 s of connections on a quiet relay.
 * The Map of nonce strings it replaces took 85 bytes a nonce.
 */
export const DEFAULT_MAX_NONCES = 2 ** 26

/** Slots of a new table (8 KiB); it doubles as it fills, up to MAX_SLOTS. */
const FIRST_SLOTS = 1024
/** Slots of a table at its largest: 8 MiB, so that growing one never copies more than that at once. */
const MAX_SLOTS = 2 ** 20
/** Share of a table's slots in use past which it grows (or, at MAX_SLOTS, is full). */
const MAX_LOAD = 0.75
const NONCES_PER_FULL_TABLE = MAX_SLOTS * MAX_LOAD

/** The memory the nonces' tables take when `maxNonces` are kept, at most (full tables and a last one). */
export const bytesWhenFull = (maxNonces: number): number =>
  Math.ceil(maxNonces / NONCES_PER_FULL_TABLE) * MAX_SLOTS * Float64Array.BYTES_PER_ELEMENT

/**
 * A set of fingerprints: open addressing with linear probing in a Float64Array (0 is an empty
 * slot). NOTE: 52-bit fingerprints rather than the nonces themselves: a fresh nonce is taken
 * for a replay only if its fingerprint matches one kept, 1 in 2^52 / 67M = 1 in 67M at the
 * fullest and 1 in ~10^11 at an ordinary load; and a table of doubles takes 8 bytes a slot.
 */
class FingerprintTable {
  private slots = new Float64Array(FIRST_SLOTS)
  count = 0
  /** When the last nonce in it expires. */
  lastForgetAt = 0

  constructor (readonly openedAt: number) {}

  get bytes (): number { return this.slots.byteLength }

  get full (): boolean { return this.slots.length === MAX_SLOTS && this.count >= NONCES_PER_FULL_TABLE }

  has (fingerprint: number): boolean {
    const mask = this.slots.length - 1
    for (let slot = fingerprint & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!
      if (held === fingerprint) return true
      if (held === 0) return false
    }
  }

  /** Adds a fingerprint not held yet (callers check `full` first). */
  add (fingerprint: number, forgetAt: number): void {
    if (this.count + 1 > this.slots.length * MAX_LOAD) this.grow()
    this.place(fingerprint)
    this.count += 1
    this.lastForgetAt = Math.max(this.lastForgetAt, forgetAt)
  }

  private grow (): void {
    const old = this.slots
    this.slots = new Float64Array(old.length * 2)
    for (const fingerprint of old) if (fingerprint !== 0) this.place(fingerprint)
  }

  private place (fingerprint: number): void {
    const mask = this.slots.length - 1
    let slot = fingerprint & mask
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask
    this.slots[slot] = fingerprint
  }
}

export class ReplayGuard {
  /** Oldest first; only the last one takes new nonces. */
  private tables: FingerprintTable[] = []
  private live = 0
  private nextSweep = 0
  /**
   * NOTE: fingerprints are keyed with a secret of this process, so that nobody can choose nonces
   * that crowd into one run of slots (each check would then walk it) or share a fingerprint.
   */
  private readonly key = randomBytes(32)

  constructor (private readonly maxNonces = DEFAULT_MAX_NONCES) {}

  /**
   * Records the nonce; 'replayed' if it was seen before, 'full' if the guard holds as many as it
   * may. Nonces are forgotten a table at a time, once every nonce in the table has expired.
   */
  admit (nonce: string, forgetAt: number, now = Date.now()): 'admitted' | 'replayed' | 'full' {
    if (now >= this.nextSweep || this.live >= this.maxNonces) this.sweep(now)
    const fingerprint = this.fingerprintOf(nonce)
    for (const table of this.tables) if (table.has(fingerprint)) return 'replayed'
    if (this.live >= this.maxNonces) return 'full'
    let current = this.tables.at(-1)
    if (!current || current.full || now - current.openedAt >= TABLE_SPAN_MS) {
      current = new FingerprintTable(now)
      this.tables.push(current)
    }
    current.add(fingerprint, forgetAt)
    this.live += 1
    return 'admitted'
  }

  /** Nonces kept now (some of them past their expiry, until their table goes). */
  get size (): number { return this.live }

  /** Memory the tables take now. */
  get bytes (): number { return this.tables.reduce((sum, table) => sum + table.bytes, 0) }

  /** A 52-bit fingerprint of the nonce, never 0. */
  private fingerprintOf (nonce: string): number {
    const digest = createHmac('sha256', this.key).update(nonce).digest()
    return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4) + 1
  }

  private sweep (now: number): void {
    this.nextSweep = now + 1000
    const kept = this.tables.filter(table => table.lastForgetAt > now)
    if (kept.length === this.tables.length) return
    this.tables = kept
    this.live = kept.reduce((sum, table) => sum + table.count, 0)
  }
}
