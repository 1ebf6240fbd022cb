// The hostile workload's attacker: one user sending one costly update to a room again and again, as fast as the relay takes it, on a new connection whenever the relay closes or pauses the old one.
import type { Identity } from '../../shared/identity'
import { MESSAGE_AUTH } from './thin-client'
import { ParleyThinClient } from './thin-parley'

export interface HostileOptions {
  wsUrl: string
  room: string
  identity: Identity
  /** The update it sends every time (the relay refuses it, so the same bytes are new to it each time). */
  update: Uint8Array
  /** Frames sent and not yet answered at a time (each refusal answers one). */
  inFlight: number
  /**
   * Reconnect when no answer came for this long while frames were outstanding: the relay has
   * paused the socket (its CPU budget is spent), and a new connection starts with a full one.
   * Null: wait on the same connection until the relay reads it again.
   */
  reconnectAfterSilenceMs: number | null
}

export interface HostileCounts {
  /** Updates sent. */
  sent: number
  /** Refusals received: updates the relay judged. */
  refused: number
  /** Connections the relay let it open and sync. */
  connections: number
}

/** A bound on connections per run (a closed-and-reopened socket per frame at most, for a few seconds). */
const MAX_CONNECTIONS = 10_000
const SYNC_TIMEOUT_MS = 20_000
/** After a connection that failed to open or sync: no tight loop against a refusing relay. */
const RETRY_PAUSE_MS = 100

const pause = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

export class HostileSender {
  readonly counts: HostileCounts = { sent: 0, refused: 0, connections: 0 }
  private stopped = false
  private current: ParleyThinClient | null = null
  private running: Promise<void> | null = null
  /** Ends the current connection's wait early (stop). */
  private interrupt: (() => void) | null = null

  constructor (private readonly options: HostileOptions) {}

  start (): void {
    this.running ??= this.attack()
  }

  /** Stops sending and drops its socket; resolves once it is closed. */
  async stop (): Promise<void> {
    this.stopped = true
    this.interrupt?.()
    await this.current?.drop()
    await this.running
  }

  private async attack (): Promise<void> {
    for (let connection = 0; !this.stopped && connection < MAX_CONNECTIONS; connection++) {
      const opened = await this.attackOnce().catch(() => false)
      if (!opened && !this.stopped) await pause(RETRY_PAUSE_MS)
    }
  }

  /** One connection: frames until the relay closes it, or until stopped. False when it did not open and sync. */
  private async attackOnce (): Promise<boolean> {
    const { wsUrl, room, identity, update, inFlight, reconnectAfterSilenceMs } = this.options
    const client = await ParleyThinClient.connect(wsUrl, room, identity)
    this.current = client
    let timer: ReturnType<typeof setTimeout> | undefined
    let synced = false
    try {
      const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('not synced in time')), SYNC_TIMEOUT_MS) })
      await Promise.race([client.synced, timeout])
      synced = true
    } catch {
      // Refused, closed or too slow: counted as a connection that did not open.
    } finally {
      clearTimeout(timer)
    }
    if (!synced || this.stopped) {
      await client.drop()
      return synced
    }
    this.counts.connections += 1
    let outstanding = 0
    let lastAnswer = performance.now()
    const send = (): void => {
      while (!this.stopped && outstanding < inFlight) {
        client.sendUpdate(update)
        outstanding += 1
        this.counts.sent += 1
      }
    }
    const unsubscribe = client.onMessage(message => {
      if (message.type !== MESSAGE_AUTH) return
      outstanding = Math.max(0, outstanding - 1)
      this.counts.refused += 1
      lastAnswer = message.at
      send()
    })
    let silence: ReturnType<typeof setInterval> | undefined
    try {
      send()
      await new Promise<void>(resolve => {
        this.interrupt = resolve
        void client.closed.then(() => resolve())
        if (reconnectAfterSilenceMs === null) return
        silence = setInterval(() => {
          if (outstanding > 0 && performance.now() - lastAnswer > reconnectAfterSilenceMs) resolve()
        }, Math.max(10, reconnectAfterSilenceMs / 4))
      })
    } finally {
      clearInterval(silence)
      this.interrupt = null
      unsubscribe()
      // NOTE: dropped, not closed: a socket the relay has paused would answer no closing handshake.
      await client.drop()
    }
    return true
  }
}
