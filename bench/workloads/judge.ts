// Workload `judge`: the relay's CPU per honest update to judge and apply it (judged where it lands, against the judge that read the encoding before, and no judge at all), in this process.
import { Recorder, type MetricSpec } from '../lib/recorder'
import { groupBucket, profile, type JudgedRoom } from '../lib/judge-rooms'
import { JUDGES, cpuClockOverhead, timeRound, type Judge } from '../lib/judge-timing'
import { median, percentile } from '../lib/stats'
import type { System, Workload } from '../workload'

const WORKLOAD = 'judge'

/** Updates per round: each round starts again from the room's seed (judge-timing.ts). */
const ROUND_UPDATES = 100

const SYSTEM_OF: Record<Judge, System> = { none: 'floor', encoding: 'parley-before', 'in-place': 'parley' }

// NOTE: the bound: judging what an update does may cost at most 1.5× what judging its
// encoding did, in the relay's CPU per message. The target is on the ratio to the judge before
// (the "vs best" column; FLOOR, no judge at all, is a limit and not a baseline), not on µs.
const RECEIVE_MEDIAN: MetricSpec = { metric: 'judge + apply, CPU per update, median of each run (target: the ratio)', unit: 'µs', better: 'lower', target: { op: '<=', value: 1.5 } }
const RECEIVE: MetricSpec = { metric: 'judge + apply, CPU per update (values: p99 per run)', unit: 'µs', better: 'lower' }
const JUDGING: MetricSpec = { metric: 'judging alone: judge + apply less FLOOR\'s apply of the same update, median of each run', unit: 'µs', better: 'lower' }
const RESTORE_TAKEN: MetricSpec = { metric: 'restore point taken (first write after loading the room)', unit: 'ms', better: 'lower' }
const RESTORE_REBUILT: MetricSpec = { metric: 'room rebuilt from its restore point: a refusal after the round\'s 100 accepted updates', unit: 'ms', better: 'lower' }
const RESTORE_REBUILT_AGAIN: MetricSpec = { metric: 'room rebuilt from its restore point: a refusal right after another', unit: 'ms', better: 'lower' }

interface JudgeCase {
  name: string
  build: () => JudgedRoom
  /** Rounds per repetition in a full run, each of every judge (quick: a third, at least 1). */
  rounds: number
}

const CASES: readonly JudgeCase[] = [
  { name: 'group bucket, empty, a new message', build: () => groupBucket(0, ROUND_UPDATES), rounds: 6 },
  { name: 'group bucket, 1,000 messages, a new message', build: () => groupBucket(1000, ROUND_UPDATES), rounds: 6 },
  // NOTE: protocol v2 has no directory (v1's cases were 1,000 and 10,000 profiles in one room):
  // each profile is a room of its own, written by its owner alone.
  { name: 'profile room, a rename', build: () => profile(ROUND_UPDATES), rounds: 6 },
  { name: 'profile room renamed 1,000 times from 4 devices, a rename', build: () => profile(ROUND_UPDATES, { earlier: 1000, devices: 4 }), rounds: 6 }
]

/** Per update of a round, `receive` less FLOOR's receive of the same update: what judging added. */
const judgingOf = (receive: readonly number[], floor: readonly number[]): number[] => receive.map((micros, i) => micros - floor[i]!)

/** One case: an untimed round, then `repetitions` of up to its rounds (at least one each, however late), every judge paired. */
const measureCase = async (recorder: Recorder, judgeCase: JudgeCase, quick: boolean, repetitions: number, deadline: number, overhead: number, log: (line: string) => void): Promise<void> => {
  const judged = judgeCase.build()
  const rounds = quick ? Math.max(1, Math.round(judgeCase.rounds / 3)) : judgeCase.rounds
  // NOTE: one untimed round first, so that no judge is billed for compiling the code they share.
  timeRound(judged, overhead)
  log(`${judgeCase.name}: ${repetitions} × ${rounds} rounds of ${ROUND_UPDATES} updates, every judge in turn`)
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const collected = new Map(JUDGES.map(judge => [judge, { receive: [] as number[], judging: [] as number[], taken: [] as number[], rebuilt: [] as number[], again: [] as number[] }]))
    // Past the case's share of the time, a repetition runs one round (never none: each system keeps a value per repetition).
    for (let round = 0; round < rounds && (round === 0 || Date.now() < deadline); round++) {
      const times = timeRound(judged, overhead)
      for (const judge of JUDGES) {
        const into = collected.get(judge)!
        const { receive, restorePoint } = times[judge]
        into.receive.push(...receive)
        into.judging.push(...judgingOf(receive, times.none.receive))
        if (restorePoint !== null) {
          into.taken.push(restorePoint.taken / 1000)
          into.rebuilt.push(restorePoint.rebuilt / 1000)
          into.again.push(restorePoint.rebuiltAgain / 1000)
        }
      }
    }
    for (const judge of JUDGES) {
      const { receive, judging, taken, rebuilt, again } = collected.get(judge)!
      const system = SYSTEM_OF[judge]
      recorder.add(judgeCase.name, system, RECEIVE_MEDIAN, median(receive))
      recorder.add(judgeCase.name, system, RECEIVE, percentile(receive, 99), receive)
      if (judge !== 'none') recorder.add(judgeCase.name, system, JUDGING, median(judging))
      if (taken.length > 0) recorder.add(judgeCase.name, system, RESTORE_TAKEN, median(taken))
      if (rebuilt.length > 0) recorder.add(judgeCase.name, system, RESTORE_REBUILT, median(rebuilt))
      if (again.length > 0) recorder.add(judgeCase.name, system, RESTORE_REBUILT_AGAIN, median(again))
    }
    // Let the event loop run between repetitions (the runner's log, timers).
    await new Promise(resolve => setImmediate(resolve))
  }
}

export const judgeWorkload: Workload = {
  id: WORKLOAD,
  title: 'Receiving an honest update: judged where Yjs applies it (today), judged from its encoding (before da2278b), and applied with no judge (FLOOR), CPU per update',
  // NOTE: in-process and short: well under a minute in a full run.
  weight: 0.4,
  async run (context) {
    const recorder = new Recorder(WORKLOAD)
    const overhead = cpuClockOverhead()
    context.log(`CPU clock reading: ${overhead} µs, subtracted from each sample`)
    for (const [index, judgeCase] of CASES.entries()) {
      const casesLeft = CASES.length - index
      const caseDeadline = Date.now() + (context.deadline - Date.now()) / casesLeft
      try {
        await measureCase(recorder, judgeCase, context.quick, context.repetitions, caseDeadline, overhead, context.log)
      } catch (error) {
        // A judge refusing an honest update (or any other failure) is reported, not the end of the benchmark.
        context.log(`${judgeCase.name}: ${(error as Error).stack ?? error}`)
        for (const judge of JUDGES) recorder.notRun(judgeCase.name, SYSTEM_OF[judge], RECEIVE_MEDIAN, `failed: ${(error as Error).message}`)
      }
    }
    return recorder.measurements(CASES.map(judgeCase => judgeCase.name), ['floor', 'parley-before', 'parley'])
  }
}
