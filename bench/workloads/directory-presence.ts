// Workload `directory-presence`: presence received per person while people come and go, 1,000 to 10,000 online in groups of 8, in v2's layout against v1's (everyone in one room's awareness), on the same relay.
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { cpuMeter, pinGenerator } from '../lib/generator'
import { CHURN_GROUP_SIZE, PresenceChurn, v1PresenceRoom, type PresenceModel } from '../lib/presence-churn'
import { Recorder, type MetricSpec } from '../lib/recorder'
import { sleep } from '../lib/soak-health'
import { createIdentities } from '../lib/thin-parley-setup'
import { GENERATOR_CORE, SERVER_CORE } from '../lib/thin-rig'
import { startServer } from '../servers'
import type { BenchContext, System, Workload } from '../workload'

const WORKLOAD = 'directory-presence'

const FULL_ONLINE: readonly number[] = [1_000, 2_000, 5_000, 10_000]
const QUICK_ONLINE: readonly number[] = [200, 1_000]

/** A person's mean session: each one online leaves at 1/SESSION_S a second, and someone offline arrives in their place. */
const SESSION_S = 300
/** Online people over everyone: about one in ten is offline, to arrive when someone leaves. */
const ONLINE_SHARE = 0.9
/**
 * v1's layout sends every arrival and departure to everyone: N × 2N / SESSION_S frames a second.
 * Past this the generator (one core, ~20–30 µs per socket read) could not read them, and the
 * figure would be its own: such populations are reported as not run, with the rate.
 */
const V1_MAX_FRAMES_PER_SECOND = 30_000

const SYSTEM_OF: Record<PresenceModel, System> = { v2: 'parley', v1: 'parley-before' }
const SYSTEMS: readonly System[] = ['parley-before', 'parley']

const caseName = (online: number): string =>
  `${online.toLocaleString('en')} online in groups of ${CHURN_GROUP_SIZE}, one in ${SESSION_S} leaving a second (someone arriving for each)`

const PRESENCE: MetricSpec = { metric: 'presence messages received per online person', unit: '/s', better: 'lower' }
const PRESENCE_BYTES: MetricSpec = { metric: 'presence bytes received per online person', unit: 'B/s', better: 'lower' }
const ALL_BYTES: MetricSpec = { metric: 'all bytes received per online person (joins and syncs of arrivals too)', unit: 'B/s', better: 'lower' }
const RELAY_CPU: MetricSpec = { metric: 'relay CPU', unit: 'ms/s', better: 'lower' }
const CHURN: MetricSpec = { metric: 'arrivals achieved (departures as many)', unit: '/s', better: 'higher' }
const FAILED: MetricSpec = { metric: 'arrivals failed (refused, or not synced within 10 s)', unit: 'per window', better: 'lower' }
const GENERATOR_CPU: MetricSpec = { metric: 'generator CPU', unit: '%', better: 'lower' }

interface Plan {
  populations: readonly number[]
  windowMs: number
  /** Churn before the first window, so that it starts at its steady rate. */
  warmMs: number
}

const planFor = (context: BenchContext): Plan => context.quick
  ? { populations: QUICK_ONLINE, windowMs: 2000, warmMs: 1000 }
  : { populations: FULL_ONLINE, windowMs: 5000, warmMs: 2000 }

/** People for `online` online: groups of 8, about one in ten offline. */
const populationFor = (online: number): number => Math.ceil(online / ONLINE_SHARE / CHURN_GROUP_SIZE) * CHURN_GROUP_SIZE

/** Rough time of one lane: connecting (~4 ms a person on this machine), settling, warming, windows. */
const estimateMs = (online: number, plan: Plan, repetitions: number): number =>
  2000 + online * 4 + 1000 + plan.warmMs + repetitions * (plan.windowMs + 300)

/** One model's relay, everyone online, churning: `repetitions` windows measured. */
const measureLane = async (recorder: Recorder, context: BenchContext, plan: Plan, model: PresenceModel, people: readonly Identity[], online: number): Promise<void> => {
  const name = caseName(online)
  const system = SYSTEM_OF[model]
  const server = await startServer('parley', { core: SERVER_CORE })
  let churn: PresenceChurn | null = null
  try {
    const started = Date.now()
    churn = await PresenceChurn.open(server.wsUrl, model, people, v1PresenceRoom(randomId()), online)
    context.log(`${name}, ${model}: ${online} people connected in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    await sleep(1000)
    const rate = online / SESSION_S
    churn.startChurn(rate)
    await sleep(plan.warmMs)
    for (let r = 0; r < context.repetitions; r++) {
      const before = churn.totals()
      const cpuBefore = await server.cpuMs()
      const meter = cpuMeter()
      const startedAt = performance.now()
      // Person-seconds online: the number online, sampled every 100 ms over the window.
      let personSeconds = 0
      let last = startedAt
      while (performance.now() - startedAt < plan.windowMs) {
        await sleep(100)
        const now = performance.now()
        personSeconds += (churn.online() * (now - last)) / 1000
        last = now
      }
      const generatorCpu = meter.stop()
      const cpuAfter = await server.cpuMs()
      const after = churn.totals()
      const seconds = (performance.now() - startedAt) / 1000
      recorder.add(name, system, PRESENCE, (after.presenceFrames - before.presenceFrames) / personSeconds)
      recorder.add(name, system, PRESENCE_BYTES, (after.presenceBytes - before.presenceBytes) / personSeconds)
      recorder.add(name, system, ALL_BYTES, (after.bytes - before.bytes) / personSeconds)
      recorder.add(name, system, RELAY_CPU, (cpuAfter - cpuBefore) / seconds)
      recorder.add(name, system, CHURN, (after.arrivals - before.arrivals) / seconds)
      recorder.add(name, system, FAILED, after.failed - before.failed)
      recorder.add(name, system, GENERATOR_CPU, generatorCpu)
    }
  } finally {
    await churn?.close()
    await server.stop()
  }
}

export const directoryPresence: Workload = {
  id: WORKLOAD,
  title: 'Presence while people come and go, 1,000 to 10,000 online in groups of 8: v2 (profile rooms held by contacts) against v1 (everyone in one room), per person',
  weight: 1.5,
  async run (context) {
    const recorder = new Recorder(WORKLOAD)
    const plan = planFor(context)
    const unpin = pinGenerator(GENERATOR_CORE)
    try {
      const people = await createIdentities(populationFor(Math.max(...plan.populations)))
      let ran = false
      for (const [index, online] of plan.populations.entries()) {
        const name = caseName(online)
        const v1Frames = (online * 2 * online) / SESSION_S
        const models: PresenceModel[] = v1Frames <= V1_MAX_FRAMES_PER_SECOND ? ['v1', 'v2'] : ['v2']
        if (!models.includes('v1')) {
          recorder.notRun(name, 'parley-before', PRESENCE, `everyone in one room: ~${Math.round(v1Frames).toLocaleString('en')} presence frames a second (${Math.round((2 * online) / SESSION_S)} per person), past what the generator can read (${V1_MAX_FRAMES_PER_SECOND.toLocaleString('en')})`)
        }
        for (const model of index % 2 === 0 ? models : [...models].reverse()) {
          // NOTE: the first lane always runs, so that a tight budget still gives figures.
          if (ran && Date.now() + estimateMs(online, plan, context.repetitions) > context.deadline) {
            recorder.notRun(name, SYSTEM_OF[model], PRESENCE, 'time budget exhausted')
            continue
          }
          ran = true
          try {
            await measureLane(recorder, context, plan, model, people.slice(0, populationFor(online)), online)
          } catch (error) {
            context.log(`${name}, ${model}: ${(error as Error).stack ?? error}`)
            recorder.notRun(name, SYSTEM_OF[model], PRESENCE, `failed: ${(error as Error).message.split('\n')[0]}`)
          }
        }
      }
      return recorder.measurements(plan.populations.map(caseName), SYSTEMS)
    } finally {
      unpin()
    }
  }
}
