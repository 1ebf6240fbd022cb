// What every benchmark workload is: a name, and a run that returns measurements of each system side by side.

/** Parley and the baselines it is measured against in the same run. */
export type System =
  | 'parley'
  /** A plain `ws` broadcast relay with no Yjs: the transport limit. */
  | 'floor'
  /** @y/websocket-server 0.1.1, the stock y-websocket relay. */
  | 'stock'
  /** @hocuspocus/server, spoken to in its own framing (the document name before each message). */
  | 'hocuspocus'
  /** A client-side baseline: the whole log in one document (one Y.Array), the layout Parley avoids. */
  | 'naive'
  /**
   * Parley before a change, kept in bench/baselines/: the relay's judge before commit da2278b,
   * which read an update's encoding (`judge`); the view re-reading its pages on every change
   * (`receive`); protocol v1's directory room of every profile and group (`directory-*`).
   */
  | 'parley-before'

export interface BenchContext {
  /** `--quick`: fewer and smaller cases, the whole suite in under two minutes. */
  quick: boolean
  /** Repetitions per comparison (at least 5 in a full run). */
  repetitions: number
  /** Wall-clock time by which this workload must have finished (ms since the epoch). */
  deadline: number
  log(line: string): void
}

/**
 * One metric of one case for one system: a value per repetition (or a set of samples, for
 * latencies), summarised by the runner as median and min–max, or percentiles.
 */
export interface Measurement {
  workload: string
  /** The case within the workload, e.g. '100 members, 100 msg/s'. */
  case: string
  system: System
  metric: string
  unit: string
  /** 'lower' or 'higher' is better: how the ratio to the best baseline is read. */
  better: 'lower' | 'higher'
  /** One value per repetition. */
  values: number[]
  /** For latencies: every sample, from which percentiles are reported. */
  samples?: number[]
  /** Why a system was not run for this case ('not run' is reported, never silently dropped). */
  notRun?: string
  /** A target from the issue for Parley, e.g. { op: '<=', value: 3 }. */
  target?: { op: '<=' | '>='; value: number }
}

export interface Workload {
  /** Short id used by `--only`, e.g. 'fanout'. */
  id: string
  title: string
  /** Its share of the run's time budget relative to the others (default 1). */
  weight?: number
  run(context: BenchContext): Promise<Measurement[]>
}
