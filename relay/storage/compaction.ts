// What a room's stored updates become when loaded or compacted: the state a garbage-collected Y.Doc holds, and when rewriting them pays.
import { Worker } from 'node:worker_threads'
import * as Y from 'yjs'
import { rewritePays } from '../../shared/compaction-policy'
import { StorageError } from './store'

/**
 * Bytes of stored updates applied in one turn of the event loop (~1.5 ms of Yjs on the reference
 * machine). NOTE: loading and compacting a room are the relay's longest pieces of work (10–40 ms
 * per 1,000 messages): done in one go, every other room waits for them. An unloaded room's
 * compaction held deliveries of other rooms up for ~60–140 ms in the fan-out benchmark.
 */
const BYTES_PER_TURN = 64 * 1024

const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/**
 * Applies a room's stored updates to `doc` in order, a slice per turn of the event loop; one
 * that cannot be read means the store is corrupt.
 */
export const applyStored = async (doc: Y.Doc, room: string, updates: readonly Uint8Array[], origin: unknown = null): Promise<void> => {
  let next = 0
  while (next < updates.length) {
    if (next > 0) await nextTurn()
    try {
      doc.transact(() => {
        let bytes = 0
        while (next < updates.length && bytes < BYTES_PER_TURN) {
          const update = updates[next++]!
          bytes += update.byteLength
          Y.applyUpdate(doc, update, origin)
        }
      }, origin)
    } catch (error) {
      throw new StorageError('corrupt', `room ${room} has an unreadable update`, { cause: error })
    }
  }
}

/** One compaction sent to the worker, until its answer comes back. */
interface Job {
  resolve: (state: Uint8Array) => void
  reject: (error: Error) => void
}

/**
 * The worker thread that computes collected states (collect-worker.mjs), started on first use;
 * it keeps the process alive only while it has work. NOTE: encoding a whole room is one step Yjs cannot split
 * (20–50 ms for a room of 5,000 messages): on the event loop, every other room's deliveries
 * waited for it whenever a room was unloaded.
 */
class Collector {
  private worker: Worker | null = null
  private readonly jobs = new Map<number, Job>()
  private nextId = 0

  collect (room: string, updates: readonly Uint8Array[]): Promise<Uint8Array> {
    const worker = this.worker ?? this.start()
    worker.ref()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.jobs.set(id, {
        resolve,
        reject: error => reject(new StorageError('corrupt', `room ${room} has an unreadable update: ${error.message}`, { cause: error }))
      })
      worker.postMessage({ id, updates })
    })
  }

  private start (): Worker {
    const worker = new Worker(new URL('./collect-worker.mjs', import.meta.url))
    worker.unref()
    worker.on('message', ({ id, state, error }: { id: number; state?: Uint8Array; error?: string }) => {
      const job = this.jobs.get(id)
      this.jobs.delete(id)
      if (this.jobs.size === 0) worker.unref()
      if (state) job?.resolve(state)
      else job?.reject(new Error(error))
    })
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null
      for (const job of this.jobs.values()) job.reject(error)
      this.jobs.clear()
    }
    worker.on('error', fail)
    worker.on('exit', code => fail(new Error(`the compaction worker stopped (exit code ${code})`)))
    this.worker = worker
    return worker
  }
}

const collector = new Collector()

/**
 * The state `updates` make together, as a garbage-collected Y.Doc encodes it, computed in a
 * worker thread: an overwritten or deleted value keeps its place (a run of deleted items) but
 * not its content.
 * NOTE: not Y.mergeUpdates, which keeps the content of every value ever overwritten (every
 * activity entry a conversation's index has had: ~300 bytes a send) and slows down with the
 * number of updates far faster than linearly (~0.1 s for 1,000 message updates, against ~40 ms
 * here). Anything pending (which the relay never accepts) is kept as it is.
 */
export const collectedState = (room: string, updates: readonly Uint8Array[]): Promise<Uint8Array> => collector.collect(room, updates)

/** The update to store in place of `updates`, or null when rewriting them would not pay (compaction-policy.ts). */
export const compactionOf = async (room: string, updates: readonly Uint8Array[]): Promise<Uint8Array | null> => {
  if (updates.length === 0) return null
  const state = await collectedState(room, updates)
  const storedBytes = updates.reduce((sum, update) => sum + update.byteLength, 0)
  return rewritePays({ storedBytes, storedUpdates: updates.length, stateBytes: state.byteLength }) ? state : null
}
