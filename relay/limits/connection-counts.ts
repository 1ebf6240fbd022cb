// Open connections counted per address or per user, each kept under a cap.

export class ConnectionCounts {
  private readonly counts = new Map<string, number>()

  constructor (private readonly cap: number) {}

  /** Counts one more connection of `key`; false, and nothing counted, when it already has as many as allowed. */
  add (key: string): boolean {
    const count = this.counts.get(key) ?? 0
    if (count >= this.cap) return false
    this.counts.set(key, count + 1)
    return true
  }

  remove (key: string): void {
    const left = (this.counts.get(key) ?? 1) - 1
    if (left > 0) this.counts.set(key, left)
    else this.counts.delete(key)
  }
}
