// Collects a workload's measurements per case, system and metric, in a stable order, for the runner.
import type { Measurement, System } from '../workload'

export interface MetricSpec {
  metric: string
  unit: string
  better: 'lower' | 'higher'
  /** A target from the issue, attached to Parley's row. */
  target?: Measurement['target']
}

export class Recorder {
  private readonly rows = new Map<string, Measurement>()

  constructor (private readonly workload: string) {}

  private row (caseName: string, system: System, spec: MetricSpec): Measurement {
    const key = `${caseName}\0${spec.metric}\0${system}`
    let row = this.rows.get(key)
    if (!row) {
      row = { workload: this.workload, case: caseName, system, metric: spec.metric, unit: spec.unit, better: spec.better, values: [] }
      if (spec.target && system === 'parley') row.target = spec.target
      this.rows.set(key, row)
    }
    return row
  }

  /** One repetition's value, and for latencies its samples. */
  add (caseName: string, system: System, spec: MetricSpec, value: number, samples?: readonly number[]): void {
    const row = this.row(caseName, system, spec)
    row.values.push(value)
    if (!samples) return
    // NOTE: not push(...samples): a spread of some 100k values overflows the call stack.
    const kept = row.samples ??= []
    for (const sample of samples) kept.push(sample)
  }

  /** Says why a system has no figure for a metric (kept, unless values arrive later). */
  notRun (caseName: string, system: System, spec: MetricSpec, reason: string): void {
    const row = this.row(caseName, system, spec)
    row.notRun ??= reason
  }

  samples (caseName: string, system: System, metric: string): readonly number[] {
    return this.rows.get(`${caseName}\0${metric}\0${system}`)?.samples ?? []
  }

  /**
   * Every row, ordered by `caseOrder` (cases not listed last), then metric in first-seen order,
   * then system in `systemOrder`. A row with values drops any notRun noted for it.
   */
  measurements (caseOrder: readonly string[], systemOrder: readonly System[]): Measurement[] {
    const metrics: string[] = []
    for (const row of this.rows.values()) if (!metrics.includes(row.metric)) metrics.push(row.metric)
    const rank = (list: readonly string[], item: string) => { const at = list.indexOf(item); return at < 0 ? list.length : at }
    return [...this.rows.values()]
      .map(({ notRun, ...row }): Measurement => row.values.length > 0 ? row : { ...row, notRun: notRun ?? 'no result' })
      .sort((a, b) =>
        rank(caseOrder, a.case) - rank(caseOrder, b.case) ||
        rank(metrics, a.metric) - rank(metrics, b.metric) ||
        rank(systemOrder, a.system) - rank(systemOrder, b.system))
  }
}
