// Yjs updates (v1) written byte by byte, as a hostile client would: what no Yjs API would make.
import * as encoding from 'lib0/encoding'

export type Write = (encoder: encoding.Encoder) => void
export interface Id { client: number; clock: number }

const uint = encoding.writeVarUint
const text = encoding.writeVarString

/** Item flags of Yjs' v1 encoding: which neighbours and parent fields follow the info byte. */
const HAS_ORIGIN = 128
const HAS_RIGHT_ORIGIN = 64
const HAS_PARENT_SUB = 32
/** Content kinds. */
const DELETED = 1
const ANY = 8

/** Structs as `write` puts them, then a delete set (empty unless `deletes`). */
export const craft = (write: Write, deletes?: Write): Uint8Array => encoding.encode(encoder => {
  write(encoder)
  if (deletes) deletes(encoder)
  else uint(encoder, 0)
})

/** A client's run header: how many structs, whose, from which clock. */
export const run = (encoder: encoding.Encoder, count: number, client: number, clock: number): void => {
  uint(encoder, count); uint(encoder, client); uint(encoder, clock)
}

/** An item holding `value` in root map `root` under `key`, with no neighbours. */
export const mapEntry = (encoder: encoding.Encoder, root: string, key: string, value: unknown): void => {
  encoding.writeUint8(encoder, ANY | HAS_PARENT_SUB); uint(encoder, 1); text(encoder, root); text(encoder, key)
  uint(encoder, 1); encoding.writeAny(encoder, value as encoding.AnyEncodable)
}

/** An item holding `value` right after the item `client:clock` (so in the same map entry). */
export const after = (encoder: encoding.Encoder, client: number, clock: number, value: unknown = 1): void => {
  encoding.writeUint8(encoder, ANY | HAS_ORIGIN); uint(encoder, client); uint(encoder, clock)
  uint(encoder, 1); encoding.writeAny(encoder, value as encoding.AnyEncodable)
}

/**
 * An item holding `value` placed just before the item `right` (so in its map entry, and not
 * last: Yjs deletes it as it integrates it).
 */
export const before = (encoder: encoding.Encoder, right: Id, value: unknown): void => {
  encoding.writeUint8(encoder, ANY | HAS_RIGHT_ORIGIN); uint(encoder, right.client); uint(encoder, right.clock)
  uint(encoder, 1); encoding.writeAny(encoder, value as encoding.AnyEncodable)
}

/** `length` already-deleted clocks declared to sit in root map `root` under `key`. */
export const deletedEntry = (encoder: encoding.Encoder, root: string, key: string, length: number): void => {
  encoding.writeUint8(encoder, DELETED | HAS_PARENT_SUB); uint(encoder, 1); text(encoder, root); text(encoder, key)
  uint(encoder, length)
}

/** A delete set of one client's ranges. */
export const deleting = (client: number, ranges: Array<[number, number]>): Write => encoder => {
  uint(encoder, 1); uint(encoder, client); uint(encoder, ranges.length)
  for (const [clock, length] of ranges) { uint(encoder, clock); uint(encoder, length) }
}
