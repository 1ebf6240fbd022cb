// Reads a LevelDB write-ahead log (`NNNNNN.log`) as LevelDB's recovery does, and says where it would drop records.

/*
 * NOTE: LevelDB opened without `paranoid_checks` (and classic-level does not expose that option)
 * recovers a damaged log by dropping the rest of the 32 KiB block where a checksum fails, and
 * says so only in its own diary (the `LOG` file): 97 of 200 messages went that way in a test,
 * with /healthz "ok". This reader mirrors leveldb-1.20's log::Reader and RecoverLogFile (the
 * version classic-level 3 builds), so the relay can refuse such a log before LevelDB reads it.
 *
 * Format (db/log_format.h): 32 KiB blocks of records, each a 7-byte header (masked CRC-32C of
 * type and payload, little-endian; payload length, 2 bytes little-endian; type) and its payload.
 * A record that does not fit in a block is split into first, middle and last fragments. Each
 * whole record is a WriteBatch: sequence (8 bytes), count (4), then count puts and deletions.
 */
export const BLOCK_SIZE = 32 * 1024
const HEADER_SIZE = 7

const FULL = 1
const FIRST = 2
const MIDDLE = 3
const LAST = 4

/** Where LevelDB would drop bytes, and why (its own words). */
export interface LogDamage {
  /** Byte offset in the file of the record where the trouble starts. */
  offset: number
  /** How many bytes LevelDB would drop there. */
  bytes: number
  reason: string
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1
    table[byte] = crc >>> 0
  }
  return table
})()

/** CRC-32C (Castagnoli), as LevelDB checksums its records. */
export const crc32c = (bytes: Uint8Array, start = 0, end = bytes.length): number => {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** LevelDB stores checksums masked (util/crc32c.h), so that a CRC of data holding CRCs is not degenerate. */
const MASK_DELTA = 0xa282ead8
export const maskCrc = (crc: number): number => ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0
const unmaskCrc = (masked: number): number => {
  const rotated = (masked - MASK_DELTA) >>> 0
  return ((rotated >>> 17) | (rotated << 15)) >>> 0
}

type Physical =
  | { kind: 'record'; type: number; start: number; end: number; offset: number }
  | { kind: 'bad' }
  | { kind: 'end' }

/** Every damage LevelDB's recovery would report (and, without paranoid checks, skip) in a log file's bytes. */
export const findLogDamage = (file: Uint8Array): LogDamage[] => {
  const damage: LogDamage[] = []
  const report = (offset: number, bytes: number, reason: string): void => { damage.push({ offset, bytes, reason }) }
  const physical = physicalRecords(file, report)
  let fragments: Array<{ start: number; end: number }> = []
  let fragmentedFrom = -1
  const inFragmented = () => fragmentedFrom >= 0
  const fragmentedBytes = () => fragments.reduce((sum, { start, end }) => sum + end - start, 0)
  const whole = (offset: number, parts: Array<{ start: number; end: number }>): void => {
    const problem = writeBatchProblem(file, parts)
    if (problem !== null) report(offset, parts.reduce((sum, { start, end }) => sum + end - start, 0), problem)
  }
  for (let next = physical.next(); !next.done; next = physical.next()) {
    const record = next.value
    if (record.kind === 'end') break
    if (record.kind === 'bad') {
      if (inFragmented()) report(fragmentedFrom, fragmentedBytes(), 'error in middle of record')
      fragments = []
      fragmentedFrom = -1
      continue
    }
    const { type, start, end, offset } = record
    switch (type) {
      case FULL:
      case FIRST:
        // NOTE: LevelDB lets a first fragment with no payload go unreported (an old writer's quirk).
        if (inFragmented() && fragmentedBytes() > 0) report(fragmentedFrom, fragmentedBytes(), 'partial record without end')
        fragments = []
        fragmentedFrom = -1
        if (type === FULL) {
          whole(offset, [{ start, end }])
        } else {
          fragments = [{ start, end }]
          fragmentedFrom = offset
        }
        break
      case MIDDLE:
      case LAST:
        if (!inFragmented()) {
          report(offset, end - start, 'missing start of fragmented record')
          break
        }
        fragments.push({ start, end })
        if (type === LAST) {
          whole(fragmentedFrom, fragments)
          fragments = []
          fragmentedFrom = -1
        }
        break
      default:
        report(offset, end - start + (inFragmented() ? fragmentedBytes() : 0), `unknown record type ${type}`)
        fragments = []
        fragmentedFrom = -1
    }
  }
  // A record cut short at the very end is what a writer that died mid-write leaves: LevelDB ignores it, and so does this.
  return damage
}

/** The physical records of a log, block by block, as log::Reader::ReadPhysicalRecord sees them. */
function * physicalRecords (file: Uint8Array, report: (offset: number, bytes: number, reason: string) => void): Generator<Physical> {
  for (let blockStart = 0; blockStart < file.length; blockStart += BLOCK_SIZE) {
    const blockEnd = Math.min(blockStart + BLOCK_SIZE, file.length)
    // Only a block shorter than 32 KiB is the end of the file to LevelDB.
    const lastBlock = blockEnd - blockStart < BLOCK_SIZE
    let at = blockStart
    // Fewer than 7 bytes left in a block are its zero-filled trailer.
    while (blockEnd - at >= HEADER_SIZE) {
      const length = file[at + 4]! | (file[at + 5]! << 8)
      const type = file[at + 6]!
      if (HEADER_SIZE + length > blockEnd - at) {
        if (lastBlock) {
          // The writer died in the middle of this record: not damage.
          yield { kind: 'end' }
          return
        }
        report(at, blockEnd - at, 'bad record length')
        yield { kind: 'bad' }
        break
      }
      if (type === 0 && length === 0) {
        // Preallocated, zero-filled space: LevelDB skips the rest of the block without a report.
        yield { kind: 'bad' }
        break
      }
      const stored = new DataView(file.buffer, file.byteOffset + at, 4).getUint32(0, true)
      if (unmaskCrc(stored) !== crc32c(file, at + 6, at + HEADER_SIZE + length)) {
        report(at, blockEnd - at, 'checksum mismatch')
        yield { kind: 'bad' }
        break
      }
      yield { kind: 'record', type, start: at + HEADER_SIZE, end: at + HEADER_SIZE + length, offset: at }
      at += HEADER_SIZE + length
    }
  }
}

/** Why a whole record is not a WriteBatch LevelDB can apply (what its recovery would log and skip), or null. */
const writeBatchProblem = (file: Uint8Array, parts: Array<{ start: number; end: number }>): string | null => {
  const size = parts.reduce((sum, { start, end }) => sum + end - start, 0)
  if (size < 12) return 'log record too small'
  const batch = parts.length === 1 ? file.subarray(parts[0]!.start, parts[0]!.end) : concat(file, parts, size)
  const count = new DataView(batch.buffer, batch.byteOffset + 8, 4).getUint32(0, true)
  let at = 12
  let found = 0
  const slice = (): boolean => {
    let length = 0
    for (let shift = 0; shift <= 28; shift += 7) {
      if (at >= batch.length) return false
      const byte = batch[at++]!
      length |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        at += length >>> 0
        return at <= batch.length
      }
    }
    return false
  }
  while (at < batch.length) {
    const tag = batch[at++]
    if (tag === 1) {
      if (!slice() || !slice()) return 'bad WriteBatch Put'
    } else if (tag === 0) {
      if (!slice()) return 'bad WriteBatch Delete'
    } else {
      return 'unknown WriteBatch tag'
    }
    found += 1
  }
  return found === count ? null : 'WriteBatch has wrong count'
}

const concat = (file: Uint8Array, parts: Array<{ start: number; end: number }>, size: number): Uint8Array => {
  const joined = new Uint8Array(size)
  let at = 0
  for (const { start, end } of parts) {
    joined.set(file.subarray(start, end), at)
    at += end - start
  }
  return joined
}
