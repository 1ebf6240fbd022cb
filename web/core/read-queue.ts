// Reads of a conversation's history, one after another so that pages never interleave; a burst of
// changes waits as one read, not one per change.

const logFailure = (error: unknown): void => console.error('parley: reading the conversation failed', error)

export class ReadQueue {
  #tail: Promise<void> = Promise.resolve()
  /** A scheduled read is waiting its turn (later schedule() calls join it). */
  #waiting = false
  #closed = false

  /** `onError` hears of a read that failed before close(). */
  constructor (private readonly onError: (error: unknown) => void = logFailure) {}

  /** Runs `read` once every read queued before it has finished; skipped once closed. */
  run (read: () => unknown): Promise<void> {
    const run = this.#tail.then(async () => {
      if (!this.#closed) await read()
    }).catch(error => {
      if (!this.#closed) this.onError(error)
    })
    this.#tail = run
    return run
  }

  /** NOTE: changes come in bursts (a bucket syncing): at most one scheduled read waits at a time. */
  schedule (read: () => unknown): void {
    if (this.#waiting) return
    this.#waiting = true
    void this.run(() => {
      this.#waiting = false
      return read()
    })
  }

  /** Skips what is still queued and keeps quiet about failures from now on. */
  close (): void {
    this.#closed = true
  }
}
