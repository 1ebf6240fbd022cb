// Worker thread of relay/storage/compaction.ts: the state a garbage-collected Y.Doc holds after a
// room's stored updates, computed off the relay's event loop. Plain JavaScript, so that it runs
// the same under the relay's tsx and under the test runner, with the relay's own yjs.
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'

parentPort.on('message', ({ id, updates }) => {
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    const state = Y.encodeStateAsUpdate(doc)
    parentPort.postMessage({ id, state }, [state.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  } finally {
    doc.destroy()
  }
})
