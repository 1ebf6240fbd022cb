// What a room's stored updates become when compacted: the state a garbage-collected Y.Doc holds (worked out off the event loop), and when rewriting them pays.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { rewritePays } from '../../shared/compaction-policy'
import { StorageError } from './store'

/**
 * A slice of a room's updates handed to the worker in one message. NOTE: postMessage copies
 * every update on the relay's event loop (~2 µs each: 16,000 of them held every delivery up for
 * 21–50 ms in a probe), so a large room goes over in slices, one per turn.
 */
const UPDATES_PER_SLICE = 1000
const BYTES_PER_SLICE = 256 * 1024

/** Where the slice of `updates` that starts at `start` ends. */
export const sliceEnd = (updates: readonly Uint8Array[], start: number): number => {
  let end = start
  let bytes = 0
  while (end < updates.length && end - start < UPDATES_PER_SLICE && (end === start || bytes + updates[end]!.byteLength <= BYTES_PER_SLICE)) {
    bytes += updates[end]!.byteLength
    end += 1
  }
  return end
}

/**
 * How long one room's compaction may take before its worker is stopped. Generous: a room of
 * 16,000 messages takes well under a second; a worker that has not answered by then is stuck.
 */
const COLLECT_TIMEOUT_MS = 60_000

/** One compaction sent to a worker, until its answer comes back. */
interface Job {
  room: string
  worker: Worker
  timer: NodeJS.Timeout
  resolve: (state: Uint8Array) => void
  reject: (error: Error) => void
}

export interface CollectorOptions {
  /** The worker's script (tests give one that misbehaves). */
  workerUrl?: URL
  timeoutMs?: number
}

/**
 * The worker thread that computes collected states (collect-worker.mjs), started on first use;
 * it keeps the process alive only while it has work. NOTE: encoding a whole room is one step Yjs
 * cannot split (20–50 ms for a room of 5,000 messages): on the event loop, every other room's
 * deliveries waited for it whenever a room was unloaded.
 */
export class Collector {
  private worker: Worker | null = null
  private readonly jobs = new Map<number, Job>()
  /** How many jobs each worker has: it keeps the process alive (ref'd) only while it has some. */
  private readonly jobCounts = new Map<Worker, number>()
  private nextId = 0
  private readonly workerUrl: URL
  private readonly timeoutMs: number

  constructor ({ workerUrl = new URL('./collect-worker.mjs', import.meta.url), timeoutMs = COLLECT_TIMEOUT_MS }: CollectorOptions = {}) {
    this.workerUrl = workerUrl
    this.timeoutMs = timeoutMs
  }

  /** Starts the worker now if it is not running. */
  prepare (): void {
    if (this.worker === null) this.start()
  }

  async collect (room: string, updates: readonly Uint8Array[]): Promise<Uint8Array> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => this.stopStuck(id, worker), this.timeoutMs).unref()
      this.jobs.set(id, { room, worker, timer, resolve, reject })
    })
    this.jobCounts.set(worker, (this.jobCounts.get(worker) ?? 0) + 1)
    worker.ref()
    let start = 0
    do {
      // Stops early when the job has failed meanwhile (an unreadable update, the worker gone).
      if (start > 0) await nextTurn()
      if (!this.jobs.has(id) || this.worker !== worker) break
      const end = sliceEnd(updates, start)
      try {
        worker.postMessage({ id, updates: updates.slice(start, end), first: start === 0, last: end === updates.length })
      } catch (error) {
        this.settle(id, worker)?.reject(error as Error)
        break
      }
      start = end
    } while (start < updates.length)
    return answer
  }

  /** Takes job `id` off the list (a worker stays ref'd only while it has jobs). */
  private settle (id: number, worker: Worker): Job | undefined {
    const job = this.jobs.get(id)
    if (!job || job.worker !== worker) return undefined
    clearTimeout(job.timer)
    this.jobs.delete(id)
    const left = (this.jobCounts.get(worker) ?? 1) - 1
    if (left > 0) {
      this.jobCounts.set(worker, left)
    } else {
      this.jobCounts.delete(worker)
      worker.unref()
    }
    return job
  }

  /** Fails job `id` if it is still waiting, and stops its worker: its other jobs fail, the next compaction starts a new one. */
  private stopStuck (id: number, worker: Worker): void {
    const job = this.settle(id, worker)
    if (!job) return
    job.reject(new StorageError('timeout', `compacting room ${job.room} took over ${this.timeoutMs} ms: its worker was stopped`))
    if (this.worker === worker) this.worker = null
    void worker.terminate()
  }

  private start (): Worker {
    // NOTE: plain Node, without the loaders the relay may run under (tsx): the worker is JavaScript.
    const worker = new Worker(this.workerUrl, { execArgv: [] })
    worker.unref()
    worker.on('message', ({ id, state, error }: { id: number; state?: Uint8Array; error?: string }) => {
      const job = this.settle(id, worker)
      if (!job) return
      if (state) job.resolve(state)
      else job.reject(new StorageError('corrupt', `room ${job.room} has an unreadable update: ${error}`))
    })
    // A worker that fails fails its jobs (the rooms stay as they are stored); the next compaction starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null
      for (const [id, job] of this.jobs) if (job.worker === worker) this.settle(id, worker)?.reject(error)
    }
    worker.on('error', fail)
    worker.on('messageerror', fail)
    worker.on('exit', code => fail(new Error(`the compaction worker stopped (exit code ${code})`)))
    this.worker = worker
    return worker
  }
}

const collector = new Collector()

/**
 * Starts the compaction worker ahead of the first compaction. NOTE: a worker takes ~50–100 ms of
 * CPU to start (loading Yjs); the relay pays that when it starts, not in the middle of traffic.
 */
export const prepareCompaction = (): void => collector.prepare()

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
