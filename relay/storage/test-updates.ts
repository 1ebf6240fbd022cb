// Updates as the relay appends them, for the storage tests.
import * as Y from 'yjs'

/** Each write of `doc` as its own update, as the relay appends them. */
export const recorded = (doc: Y.Doc, writes: (map: Y.Map<unknown>) => void): Uint8Array[] => {
  const updates: Uint8Array[] = []
  const record = (update: Uint8Array) => { updates.push(update) }
  doc.on('update', record)
  writes(doc.getMap('m'))
  doc.off('update', record)
  return updates
}

/** A value of about 300 bytes, told apart by `i`. */
export const value = (i: number): string => `${i} `.padEnd(300, '.')
