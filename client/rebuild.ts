// What rebuilding a room needs from Yjs: which of one's later writes still apply to the relay's state, and which entries now read differently.
import * as Y from 'yjs'
import { pendingOf } from '../shared/yjs-internals'

/** An entry of a root map whose value differs between a room's old and rebuilt documents. */
export interface ChangedEntry {
  readonly root: string
  readonly key: string
}

/**
 * Applies to `doc`, in order, the updates that integrate completely; returns how many.
 * NOTE: one that builds on what `doc` lacks (a refused change) would wait in Yjs's pending
 * structs, which Yjs encodes with the state, so the refused change's followers would be stored
 * and sent again: each is tried on a copy first and left out if anything of it stays pending.
 */
export const keepApplicable = (doc: Y.Doc, updates: readonly Uint8Array[], origin: unknown): number => {
  let kept = 0
  for (const update of updates) {
    const trial = new Y.Doc()
    Y.applyUpdate(trial, Y.encodeStateAsUpdate(doc))
    Y.applyUpdate(trial, update)
    const complete = pendingOf(trial) === null
    trial.destroy()
    if (!complete) continue
    Y.applyUpdate(doc, update, origin)
    kept += 1
  }
  return kept
}

const rootMap = (doc: Y.Doc, root: string): Y.Map<unknown> | null => {
  try {
    return doc.getMap(root)
  } catch {
    return null // a root of another type: Parley's rooms hold maps only
  }
}

/** Whether two JSON values are the same (false for what is not JSON). */
export const sameJson = (a: unknown, b: unknown): boolean => {
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false
  }
}

/** The root-map entries whose value differs between two documents of a room (values are JSON). */
export const changedEntries = (before: Y.Doc, after: Y.Doc): ChangedEntry[] => {
  const changed: ChangedEntry[] = []
  for (const root of new Set([...before.share.keys(), ...after.share.keys()])) {
    const was = rootMap(before, root)
    const is = rootMap(after, root)
    for (const key of new Set([...was?.keys() ?? [], ...is?.keys() ?? []])) {
      if (!sameJson(was?.get(key), is?.get(key))) changed.push({ root, key })
    }
  }
  return changed
}
