// A relay store's seed in one file, so that a relay in its own process starts with rooms and records the benchmark made.
import { readFile, writeFile } from 'node:fs/promises'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** What a relay's store holds at start: rooms (one stored update each) and the relay's own records. */
export interface StoreSeed {
  rooms: Map<string, Uint8Array>
  records: Map<string, Uint8Array>
}

/** `BENCH_SEED_FILE=<path>`: the benchmark's Parley server (bench/servers/parley-server.ts) starts with that store. */
export const SEED_FILE_ENV = 'BENCH_SEED_FILE'

/** Rooms, then records: each a count, then name and bytes per entry (lib0 varString, varUint8Array). */
export const encodeStoreSeed = ({ rooms, records }: StoreSeed): Uint8Array => encoding.encode(encoder => {
  for (const entries of [rooms, records]) {
    encoding.writeVarUint(encoder, entries.size)
    for (const [name, bytes] of entries) {
      encoding.writeVarString(encoder, name)
      encoding.writeVarUint8Array(encoder, bytes)
    }
  }
})

export const decodeStoreSeed = (bytes: Uint8Array): StoreSeed => {
  const decoder = decoding.createDecoder(bytes)
  const read = () => {
    const entries = new Map<string, Uint8Array>()
    for (let count = decoding.readVarUint(decoder); count > 0; count--) entries.set(decoding.readVarString(decoder), decoding.readVarUint8Array(decoder))
    return entries
  }
  const rooms = read()
  return { rooms, records: read() }
}

export const writeStoreSeed = (path: string, seed: StoreSeed): Promise<void> => writeFile(path, encodeStoreSeed(seed))

export const readStoreSeed = async (path: string): Promise<StoreSeed> => decodeStoreSeed(new Uint8Array(await readFile(path)))
