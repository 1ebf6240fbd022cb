// Turns keystrokes into "typing" / "stopped typing": told once on each change, and stopped after a pause.

/** How long after the last keystroke one counts as no longer typing. */
export const TYPING_IDLE_MS = 3000

export class TypingSignal {
  #typing = false
  #idle: ReturnType<typeof setTimeout> | null = null

  constructor (private readonly tell: (typing: boolean) => void, private readonly idleMs = TYPING_IDLE_MS) {}

  /** A keystroke: typing from now on, until `idleMs` pass without another. */
  input (): void {
    if (this.#idle !== null) clearTimeout(this.#idle)
    this.#idle = setTimeout(() => this.stop(), this.idleMs)
    if (this.#typing) return
    this.#typing = true
    this.tell(true)
  }

  /** Sent, left the box, or paused: no longer typing. */
  stop (): void {
    if (this.#idle !== null) clearTimeout(this.#idle)
    this.#idle = null
    if (!this.#typing) return
    this.#typing = false
    this.tell(false)
  }
}
