// Workload `judge`: the relay's CPU per honest update to judge it (on a trial copy of the room, against the judge that read the encoding before), in this process.
import { Recorder, type MetricSpec } from '../lib/recorder'
import { directory, groupBucket, type JudgedRoom } from '../lib/judge-rooms'
import { cpuClockOverhead, timeRound, type Judge } from '../lib/judge-timing'
import { median, percentile } from '../lib/stats'
import type { System, Workload } from '../workload'

const WORKLOAD = 'judge'

/** Updates per round: each round starts again from the room's seed (judge-timing.ts). */
const ROUND_UPDATES = 100

const SYSTEM_OF: Record<Judge, System> = { 'trial-copy': 'parley', encoding: 'parley-before' }
const JUDGES: readonly Judge[] = ['encoding', 'trial-copy']

// NOTE: the bound: judging what an update does may cost at most 1.5× what judging its
// encoding did. The target is on the ratio to the judge before (the "vs best" column), not on µs.
const JUDGE_MEDIAN: MetricSpec = { metric: 'judge CPU per update, median of each run (target: the ratio)', unit: 'µs', better: 'lower', target: { op: '<=', value: 1.5 } }
const JUDGE: MetricSpec = { metric: 'judge CPU per update (values: p99 per run)', unit: 'µs', better: 'lower' }
const RECEIVE_MEDIAN: MetricSpec = { metric: 'judge + apply to the room, CPU per update, median of each run', unit: 'µs', better: 'lower' }
const RECEIVE: MetricSpec = { metric: 'judge + apply to the room, CPU per update (values: p99 per run)', unit: 'µs', better: 'lower' }
const REBUILD: MetricSpec = { metric: 'trial copy rebuilt from the room (each refusal)', unit: 'ms', better: 'lower' }

interface JudgeCase {
  name: string
  build: () => JudgedRoom
  /** Rounds per repetition in a full run, each of both judges (quick: a third, at least 1). */
  rounds: number
}

const CASES: readonly JudgeCase[] = [
  { name: 'group bucket, empty, a new message', build: () => groupBucket(0, ROUND_UPDATES), rounds: 6 },
  { name: 'group bucket, 1,000 messages, a new message', build: () => groupBucket(1000, ROUND_UPDATES), rounds: 6 },
  { name: 'directory, 1,000 profiles, a rename', build: () => directory(1000, ROUND_UPDATES), rounds: 6 },
  // NOTE: fewer rounds: every transaction on a document of 10,000 client ids costs Yjs ~5 ms.
  { name: 'directory, 10,000 profiles, a rename', build: () => directory(10_000, ROUND_UPDATES), rounds: 3 }
]

/** One case: an untimed round, then `repetitions` of up to its rounds (at least one each, however late), both judges paired. */
const measureCase = async (recorder: Recorder, judgeCase: JudgeCase, quick: boolean, repetitions: number, deadline: number, overhead: number, log: (line: string) => void): Promise<void> => {
  const judged = judgeCase.build()
  const rounds = quick ? Math.max(1, Math.round(judgeCase.rounds / 3)) : judgeCase.rounds
  // NOTE: one untimed round first, so that neither judge is billed for compiling the code both share.
  timeRound(judged, overhead)
  log(`${judgeCase.name}: ${repetitions} × ${rounds} rounds of ${ROUND_UPDATES} updates, both judges in turn`)
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const collected = new Map(JUDGES.map(judge => [judge, { judge: [] as number[], receive: [] as number[], rebuilds: [] as number[] }]))
    // Past the case's share of the time, a repetition runs one round (never none: each system keeps a value per repetition).
    for (let round = 0; round < rounds && (round === 0 || Date.now() < deadline); round++) {
      const times = timeRound(judged, overhead)
      for (const judge of JUDGES) {
        const into = collected.get(judge)!
        into.judge.push(...times[judge].judge)
        into.receive.push(...times[judge].receive)
        if (times[judge].rebuild !== null) into.rebuilds.push(times[judge].rebuild! / 1000)
      }
    }
    for (const judge of JUDGES) {
      const { judge: judgeTimes, receive, rebuilds } = collected.get(judge)!
      const system = SYSTEM_OF[judge]
      recorder.add(judgeCase.name, system, JUDGE_MEDIAN, median(judgeTimes))
      recorder.add(judgeCase.name, system, JUDGE, percentile(judgeTimes, 99), judgeTimes)
      recorder.add(judgeCase.name, system, RECEIVE_MEDIAN, median(receive))
      recorder.add(judgeCase.name, system, RECEIVE, percentile(receive, 99), receive)
      if (rebuilds.length > 0) recorder.add(judgeCase.name, system, REBUILD, median(rebuilds))
    }
    // Let the event loop run between repetitions (the runner's log, timers).
    await new Promise(resolve => setImmediate(resolve))
  }
}

export const judgeWorkload: Workload = {
  id: WORKLOAD,
  title: 'Judging an incoming update: on a trial copy of the room (today) and from its encoding (before da2278b), CPU per honest update',
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
        for (const judge of JUDGES) recorder.notRun(judgeCase.name, SYSTEM_OF[judge], JUDGE_MEDIAN, `failed: ${(error as Error).message}`)
      }
    }
    return recorder.measurements(CASES.map(judgeCase => judgeCase.name), ['parley-before', 'parley'])
  }
}
