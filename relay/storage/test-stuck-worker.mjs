// A compaction worker for relay/storage/compaction.test.ts: its first job sends it into an endless loop, as a stuck worker would be; any other worker answers with an empty state.
import { parentPort } from 'node:worker_threads'

parentPort.on('message', ({ id, last }) => {
  if (id === 0) for (;;) {}
  if (!last) return
  const state = Uint8Array.of(0, 0)
  parentPort.postMessage({ id, state }, [state.buffer])
})
