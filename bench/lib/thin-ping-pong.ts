// Ping-pong between two thin clients of a room: round trips and echo rate (closed loop), and a way to warm a server up.
import { cpuMeter } from './generator'
import { MESSAGE_SYNC, type ThinClient } from './thin-client'
import { MessageWriter, findMarkers, type PreparedMessage } from './thin-messages'
import type { RunningServer } from '../servers'
import type { Identity } from '../../shared/identity'

/** Pong sequence numbers are ping numbers plus this. */
export const PONG_OFFSET = 10_000_000
/** A run that makes no progress for this long is cut short (its figures count what completed). */
const STALL_MS = 2000

export interface PingPongResult {
  roundTrips: number[]
  completed: number
  elapsedMs: number
  generatorCpu: number
  relayCpuMs: number
}

/**
 * `a` sends ping k; `b`, on receiving it, sends pong k; `a` times the pong and sends the next
 * ping, keeping `inFlight` outstanding, until `windowMs` have passed or the pings run out.
 * Both ends live in this process, so one clock times both.
 */
export const pingPong = async (server: RunningServer, a: ThinClient, b: ThinClient, pings: readonly PreparedMessage[], pongs: readonly PreparedMessage[], inFlight: number, windowMs: number): Promise<PingPongResult> => {
  const pingBase = pings[0]!.seq
  const pongBase = pongs[0]!.seq
  const sentAt = new Float64Array(pings.length)
  const roundTrips: number[] = []
  let sent = 0
  let answered = 0
  let completed = 0
  let lastProgress = performance.now()
  const start = performance.now()
  const endAt = start + windowMs
  let finish: () => void = () => {}
  const done = new Promise<void>(resolve => { finish = resolve })
  const sendPing = () => {
    sentAt[sent] = performance.now()
    a.sendUpdate(pings[sent++]!.update)
  }
  const stopB = b.onMessage(message => {
    if (message.type !== MESSAGE_SYNC) return
    findMarkers(message.bytes, seq => {
      // Pongs go out in ping order: each continues its writer's clock.
      if (seq - pingBase === answered && answered < pongs.length) b.sendUpdate(pongs[answered++]!.update)
    })
  })
  const stopA = a.onMessage(message => {
    if (message.type !== MESSAGE_SYNC) return
    findMarkers(message.bytes, seq => {
      const k = seq - pongBase
      if (k < 0 || k >= sent) return
      roundTrips.push(message.at - sentAt[k]!)
      completed += 1
      lastProgress = message.at
      if (message.at < endAt && sent < pings.length) sendPing()
      else if (completed === sent) finish()
    })
  })
  const stall = setInterval(() => { if (performance.now() - lastProgress > STALL_MS) finish() }, 100)
  try {
    const meter = cpuMeter()
    const relayBefore = await server.cpuMs()
    while (sent < Math.min(inFlight, pings.length)) sendPing()
    await done
    const elapsedMs = performance.now() - start
    return { roundTrips, completed, elapsedMs, generatorCpu: meter.stop(), relayCpuMs: (await server.cpuMs()) - relayBefore }
  } finally {
    clearInterval(stall)
    stopA()
    stopB()
  }
}

/** Pings from `a` and pongs from `b` (identities of the room's first two members), numbered from `base`. */
export const preparePingPong = async ([a, b]: readonly Identity[], group_id: string, base: number, count: number): Promise<{ pings: PreparedMessage[]; pongs: PreparedMessage[] }> => {
  const pingWriter = new MessageWriter([a!], group_id)
  const pongWriter = new MessageWriter([b!], group_id)
  try {
    return { pings: await pingWriter.writeMany(base, count), pongs: await pongWriter.writeMany(base + PONG_OFFSET, count) }
  } finally {
    pingWriter.destroy()
    pongWriter.destroy()
  }
}
