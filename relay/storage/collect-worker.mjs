// Worker thread of relay/storage/compaction.ts: the state a garbage-collected Y.Doc holds after a
// room's stored updates, computed off the relay's event loop. Plain JavaScript, so that it runs
// the same under the relay's tsx and under the test runner, with the relay's own yjs.
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'

// A room's updates arrive in slices (see compaction.ts), applied as they come: id → its document so far.
const collecting = new Map()

parentPort.on('message', ({ id, updates, first, last }) => {
  if (first) collecting.set(id, new Y.Doc({ gc: true }))
  // The slices of a room already answered with an error are dropped.
  const doc = collecting.get(id)
  if (!doc) return
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    if (!last) return
    collecting.delete(id)
    const state = Y.encodeStateAsUpdate(doc)
    doc.destroy()
    parentPort.postMessage({ id, state }, [state.buffer])
  } catch (error) {
    collecting.delete(id)
    doc.destroy()
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
