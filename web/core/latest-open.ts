// Opening one conversation after another where the newest request wins: a slow open that a newer
// one (or closing) has overtaken is closed again, never shown, and its failure is not reported.

export interface OpenOutcome<T> {
  /** Still the newest open: show what it opened. */
  opened(value: T): void
  /** Still the newest open, and it failed: say why. */
  failed(error: unknown): void
}

export class LatestOpen {
  /** Counts open() and cancel() calls: only the newest open may show what it opened. */
  #attempt = 0

  /**
   * Runs `open` and tells `outcome` how it went, unless overtaken meanwhile; what an overtaken
   * open opened is closed. NOTE: told in the same turn as the check, so that nothing (a newer
   * choice arriving in a microtask) can overtake it between the two.
   */
  async open<T extends { close(): unknown }> (open: () => Promise<T>, outcome: OpenOutcome<T>): Promise<void> {
    const attempt = ++this.#attempt
    let value: T
    try {
      value = await open()
    } catch (error) {
      if (attempt === this.#attempt) outcome.failed(error)
      return
    }
    if (attempt === this.#attempt) return outcome.opened(value)
    await value.close()
  }

  /** Overtakes any open under way: nothing it opens is to be shown (one chose none, or closed). */
  cancel (): void {
    this.#attempt++
  }
}
