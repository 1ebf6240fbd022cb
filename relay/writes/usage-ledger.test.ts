// The per-user totals over all rooms: moved by deltas, written as records, read back, kept on a failed write.
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../storage/memory-store'
import { StorageError, type RoomStore } from '../storage/store'
import { UsageLedger } from './usage-ledger'

describe('UsageLedger', () => {
  it('keeps each user\'s total as a record, and reads it back', async () => {
    const store = new MemoryStore()
    const ledger = await UsageLedger.open(store, { flushMs: 60_000 })
    ledger.apply(new Map([['ada', 500], ['bob', 20], ['', 99]]))
    ledger.apply(new Map([['bob', -20], ['ada', -100]]))
    expect([ledger.bytesOf('ada'), ledger.bytesOf('bob'), ledger.bytesOf('')]).toEqual([400, 0, 0])
    await ledger.close()
    expect([...(await store.readRecords('usage/')).keys()]).toEqual(['usage/ada'])
    const again = await UsageLedger.open(store)
    expect(again.bytesOf('ada')).toBe(400)
    await again.close()
  })

  it('writes a total that failed to be written at the next flush', async () => {
    const memory = new MemoryStore()
    let failing = true
    const store: RoomStore = {
      load: room => memory.load(room),
      append: (room, update) => memory.append(room, update),
      compact: room => memory.compact(room),
      readRecords: prefix => memory.readRecords(prefix),
      writeRecords: async records => {
        if (failing) throw new StorageError('write-failed', 'disk full (simulated)')
        await memory.writeRecords(records)
      },
      close: () => memory.close()
    }
    const ledger = await UsageLedger.open(store, { flushMs: 60_000 })
    ledger.apply(new Map([['ada', 7]]))
    await expect(ledger.flush()).rejects.toThrow('disk full')
    failing = false
    await ledger.close()
    expect(new TextDecoder().decode((await memory.readRecords('usage/')).get('usage/ada'))).toBe('7')
  })
})
