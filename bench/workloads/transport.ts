// Workload `transport`: the machine's own pauses, then WebSocket round trip and echo rate on loopback, through FLOOR (the transport limit) and through each relay.
import { recordPauses, summarizePauses } from '../lib/machine-pauses'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { interleaved, percentile } from '../lib/stats'
import { reserveSeqs, type PreparedMessage } from '../lib/thin-messages'
import { pingPong, preparePingPong } from '../lib/thin-ping-pong'
import { openThinRoom, type ThinRoom } from '../lib/thin-room'
import { GENERATOR_CORE, SERVER_CORE, openRig } from '../lib/thin-rig'
import { SERVER_SYSTEMS, type ServerSystem } from '../servers'
import type { Workload } from '../workload'

/** Pings outstanding at once when measuring the echo rate (1 when measuring the round trip). */
const ECHO_IN_FLIGHT = 32

const ROUND_TRIP = 'round trip, 1 in flight'
const ECHO_RATE = `echo rate, ${ECHO_IN_FLIGHT} in flight`

const RTT: MetricSpec = { metric: 'round trip (values: p99 per run)', unit: 'ms', better: 'lower' }
const ECHOES: MetricSpec = { metric: 'echoes/s', unit: '/s', better: 'higher' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU per 1k echoes', unit: 'ms', better: 'lower' }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU', unit: '%', better: 'lower' }

/**
 * Beneath the floor: how often the machine itself stops a process that never waits, on the
 * generator's core and on the relays' core, both at once, before any server starts. A message
 * on its way through either process when that happens is late by as much, whatever the relay.
 */
const MACHINE_CASES = [[`machine, generator's core (${GENERATOR_CORE})`, GENERATOR_CORE], [`machine, relays' core (${SERVER_CORE})`, SERVER_CORE]] as const
const PAUSE_AT_LEAST_MS = 1
const PAUSES: MetricSpec = { metric: `busy-loop pauses ≥ ${PAUSE_AT_LEAST_MS} ms`, unit: '/s', better: 'lower' }
const LONGEST_PAUSE: MetricSpec = { metric: 'longest busy-loop pause', unit: 'ms', better: 'lower' }
const TIME_LOST: MetricSpec = { metric: 'busy-loop time lost to pauses', unit: '%', better: 'lower' }

const recordMachinePauses = async (recorder: Recorder, repetitions: number, windowMs: number): Promise<void> => {
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const records = await Promise.all(MACHINE_CASES.map(([, core]) => recordPauses(core, windowMs)))
    records.forEach((record, index) => {
      const name = MACHINE_CASES[index]![0]
      const summary = summarizePauses(record, PAUSE_AT_LEAST_MS)
      recorder.add(name, 'floor', PAUSES, summary.perSecond)
      recorder.add(name, 'floor', LONGEST_PAUSE, summary.longestMs)
      recorder.add(name, 'floor', TIME_LOST, summary.lostPercent)
    })
  }
}

export const transport: Workload = {
  id: 'transport',
  title: 'Transport: pauses of the machine itself; WebSocket round trip and echo rate, FLOOR and each relay',
  async run (context) {
    const recorder = new Recorder('transport')
    await recordMachinePauses(recorder, context.repetitions, context.quick ? 500 : 2000)
    const rig = await openRig({ identities: 2, warmUpMs: context.quick ? 400 : 1500 })
    const rooms = new Map<ServerSystem, ThinRoom>()
    try {
      for (const [system, reason] of rig.failures) for (const name of [ROUND_TRIP, ECHO_RATE]) recorder.notRun(name, system, name === ROUND_TRIP ? RTT : ECHOES, reason)
      // Parley's room first: its group id names the room on every system, so the same prepared messages fit all.
      let group_id: string | undefined
      for (const system of ['parley', ...SERVER_SYSTEMS.filter(s => s !== 'parley')] as ServerSystem[]) {
        const server = rig.servers.get(system)
        if (!server) continue
        try {
          const room = await openThinRoom(server, { members: 2, identities: rig.identities, admin: rig.admin ?? undefined, group_id })
          group_id ??= room.group_id
          rooms.set(system, room)
        } catch (error) {
          for (const name of [ROUND_TRIP, ECHO_RATE]) recorder.notRun(name, system, name === ROUND_TRIP ? RTT : ECHOES, `could not connect: ${(error as Error).message}`)
        }
      }
      const systems = SERVER_SYSTEMS.filter(system => rooms.has(system))
      const runs = 2 * context.repetitions * systems.length
      const windowMs = Math.max(context.quick ? 200 : 400, Math.min(context.quick ? 500 : 2000, Math.floor((context.deadline - Date.now() - 2000) / runs - 250)))
      context.log(`${context.repetitions} × ${systems.length} runs of ${windowMs} ms per case`)
      // Enough prepared pings for the window at a fast echo rate; the same set serves every system of one repetition.
      const count = context.quick ? 2000 : 6000
      const prepared = new Map<number, { pings: PreparedMessage[]; pongs: PreparedMessage[] }>()
      const messagesFor = async (key: number) => {
        let messages = prepared.get(key)
        if (!messages) {
          messages = await preparePingPong(rig.identities, group_id!, reserveSeqs(count), count)
          prepared.clear()
          prepared.set(key, messages)
        }
        return messages
      }
      for (const [caseIndex, [name, inFlight]] of ([[ROUND_TRIP, 1], [ECHO_RATE, ECHO_IN_FLIGHT]] as const).entries()) {
        await interleaved(systems, context.repetitions, async (system, repetition) => {
          const { pings, pongs } = await messagesFor(caseIndex * 1000 + repetition)
          const [a, b] = rooms.get(system)!.clients
          const result = await pingPong(rig.servers.get(system)!, a!, b!, pings, pongs, inFlight, windowMs)
          if (inFlight === 1) {
            recorder.add(name, system, RTT, percentile(result.roundTrips, 99), result.roundTrips)
          } else {
            recorder.add(name, system, ECHOES, (1000 * result.completed) / result.elapsedMs)
            if (result.completed > 0) recorder.add(name, system, RELAY_CPU, (1000 * result.relayCpuMs) / result.completed)
            recorder.add(name, system, GENERATOR_CPU, result.generatorCpu)
          }
          if (result.completed === 0) context.log(`${system}: no echo in ${name} (${rooms.get(system)!.clients.flatMap(c => c.refusals).join(', ')})`)
        })
      }
      return recorder.measurements([...MACHINE_CASES.map(([name]) => name), ROUND_TRIP, ECHO_RATE], SERVER_SYSTEMS)
    } finally {
      try {
        await Promise.all([...rooms.values()].map(room => room.close()))
      } finally {
        await rig.close()
      }
    }
  }
}
