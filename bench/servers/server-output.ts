// What a benchmarked server prints: the last of it, for error messages, and its inspector's address once announced.

/** Characters of a server's output kept for error messages. */
export const OUTPUT_KEPT = 20_000
/** The line Node prints on stderr when its inspector opens (`--inspect`), once it is whole. */
const INSPECTOR_ANNOUNCEMENT = /Debugger listening on (ws:\/\/\S+)\r?\n/

export class ServerOutput {
  private kept = ''
  private inspector: string | null = null

  /** Adds what the server printed next. */
  append (chunk: string): void {
    this.kept = (this.kept + chunk).slice(-OUTPUT_KEPT)
    this.inspector ??= INSPECTOR_ANNOUNCEMENT.exec(this.kept)?.[1] ?? null
  }

  /** The last OUTPUT_KEPT characters: a server that logs a lot under load must not fill the generator's memory. */
  get text (): string { return this.kept }

  /**
   * Its inspector's address, when it was started with one. NOTE: kept from the moment it is
   * announced: a long run's output would push the line out of `text`.
   */
  get inspectorUrl (): string | null { return this.inspector }
}
