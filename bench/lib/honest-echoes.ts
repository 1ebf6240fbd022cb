// Honest round trips at a fixed rate: each message timed from when it was due until the relay echoes it back to its sender.
import { dueAt, runOpenLoop } from './open-loop'
import { MESSAGE_AUTH, MESSAGE_SYNC, type ThinClient } from './thin-client'
import { findMarkers, type PreparedMessage } from './thin-messages'

export interface EchoRun {
  /** Per message, ms from its due time to its echo; a message never echoed counts the time waited for it (a lower bound). */
  roundTrips: number[]
  /** Messages echoed within the drain time. */
  echoed: number
  sent: number
  /** Refusals the sender received meanwhile (none for honest messages, unless the relay is wrong or overwhelmed). */
  refused: number
}

/**
 * Sends `messages` from `client` one every `intervalMs` (open loop: a stalled relay does not
 * slow the sender, so a stall shows in every message sent during it, not in one) and waits up
 * to `drainMs` after the last send for their echoes.
 * NOTE: not ping-pong (send, wait, send): a closed loop sends one message during a 5 s stall
 * and thousands while the relay is free, so its percentiles all but hide the stall.
 */
export const honestEchoes = async (client: ThinClient, messages: readonly PreparedMessage[], intervalMs: number, drainMs: number): Promise<EchoRun> => {
  const count = messages.length
  const base = messages[0]!.seq
  const echoedAt = new Float64Array(count).fill(Number.NaN)
  let echoed = 0
  let refused = 0
  let allEchoed: () => void = () => {}
  const done = new Promise<void>(resolve => { allEchoed = resolve })
  const unsubscribe = client.onMessage(message => {
    if (message.type === MESSAGE_AUTH) refused += 1
    if (message.type !== MESSAGE_SYNC) return
    findMarkers(message.bytes, seq => {
      const k = seq - base
      if (k < 0 || k >= count || !Number.isNaN(echoedAt[k]!)) return
      echoedAt[k] = message.at
      echoed += 1
      if (echoed === count) allEchoed()
    })
  })
  const startAt = performance.now() + 5
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await runOpenLoop({ count, startAt, intervalMs, send: i => client.sendUpdate(messages[i]!.update) })
    await Promise.race([done, new Promise<void>(resolve => { timer = setTimeout(resolve, drainMs) })])
  } finally {
    clearTimeout(timer)
    unsubscribe()
  }
  const gaveUpAt = performance.now()
  const roundTrips = Array.from(echoedAt, (at, k) => (Number.isNaN(at) ? gaveUpAt : at) - dueAt(startAt, intervalMs, k))
  return { roundTrips, echoed, sent: count, refused }
}
