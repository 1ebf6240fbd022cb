// The log reader finds what LevelDB's recovery would drop in logs LevelDB itself wrote, and nothing in sound or merely cut-off ones.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BLOCK_SIZE, crc32c, findLogDamage, maskCrc } from './leveldb-log'

/** A physical record as LevelDB's log::Writer makes it. */
const physicalRecord = (type: number, payload: Uint8Array): Uint8Array => {
  const record = new Uint8Array(7 + payload.length)
  const typed = Uint8Array.of(type, ...payload)
  new DataView(record.buffer).setUint32(0, maskCrc(crc32c(typed)), true)
  record[4] = payload.length & 0xff
  record[5] = payload.length >> 8
  record[6] = type
  record.set(payload, 7)
  return record
}

/** A WriteBatch putting one key. */
const putBatch = (key: string, value: Uint8Array): Uint8Array => {
  const keyBytes = new TextEncoder().encode(key)
  return Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, keyBytes.length, ...keyBytes, value.length, ...value)
}

describe('LevelDB log reader', () => {
  let directory: string
  let log: Uint8Array

  // A log written by LevelDB itself: 300 puts of 300 bytes, about three blocks.
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-log-'))
    const db = new ClassicLevel<string, Uint8Array>(directory, { valueEncoding: 'view' })
    for (let i = 0; i < 300; i++) await db.put(`key ${i}`, new Uint8Array(300).fill(i % 256))
    await db.close()
    const [file] = (await readdir(directory)).filter(name => /^\d+\.log$/.test(name))
    log = new Uint8Array(await readFile(join(directory, file!)))
  })
  afterAll(() => rm(directory, { recursive: true, force: true }))

  it('computes CRC-32C', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  })

  it('finds nothing wrong in a sound log, or in one cut off in the middle of a record (a writer that died)', () => {
    expect(log.length).toBeGreaterThan(2 * BLOCK_SIZE)
    expect(findLogDamage(log)).toEqual([])
    expect(findLogDamage(log.subarray(0, log.length - 150))).toEqual([])
    expect(findLogDamage(log.subarray(0, 2 * BLOCK_SIZE + 3))).toEqual([])
  })

  it('reports a checksum mismatch where bytes were flipped, and the rest of that block as dropped', () => {
    const damaged = log.slice()
    const middle = BLOCK_SIZE + 1000
    damaged[middle] = damaged[middle]! ^ 0xff
    const [first, ...rest] = findLogDamage(damaged)
    expect(first).toMatchObject({ reason: 'checksum mismatch' })
    expect(first!.offset).toBeGreaterThanOrEqual(BLOCK_SIZE)
    expect(first!.offset).toBeLessThanOrEqual(middle)
    expect(first!.offset + first!.bytes).toBe(2 * BLOCK_SIZE)
    // What follows in the next block may be the tail of a record whose head was dropped.
    for (const damage of rest) expect(damage.reason).toMatch(/missing start of fragmented record/)
  })

  it('reports a record whose length runs past a block that is not the last', () => {
    const damaged = log.slice()
    damaged[4] = 0xff
    damaged[5] = 0xff
    expect(findLogDamage(damaged)[0]).toMatchObject({ offset: 0, reason: 'bad record length' })
  })

  it('skips zero-filled space and trailers without a report, and checks each record is a whole WriteBatch', () => {
    const sound = physicalRecord(1, putBatch('k', Uint8Array.of(1, 2, 3)))
    expect(findLogDamage(Uint8Array.of(...sound, ...new Uint8Array(100)))).toEqual([])
    const wrongCount = putBatch('k', Uint8Array.of(1))
    wrongCount[8] = 2
    expect(findLogDamage(physicalRecord(1, wrongCount))).toEqual([{ offset: 0, bytes: wrongCount.length, reason: 'WriteBatch has wrong count' }])
    expect(findLogDamage(physicalRecord(1, Uint8Array.of(1, 2, 3)))).toEqual([{ offset: 0, bytes: 3, reason: 'log record too small' }])
    expect(findLogDamage(physicalRecord(4, putBatch('k', Uint8Array.of(1))))[0]).toMatchObject({ reason: 'missing start of fragmented record' })
  })
})
