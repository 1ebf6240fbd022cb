// Summaries for benchmark figures: median and range of repetitions, percentiles of samples.

/** A figure for a table: three significant digits, whole numbers from 100 up; '–' for none. */
export const formatFigure = (value: number | undefined): string => {
  if (value === undefined || Number.isNaN(value)) return '–'
  if (Math.abs(value) >= 100) return value.toFixed(0)
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toPrecision(3)
}

export const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b)

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN
  const ordered = sorted(values)
  // NOTE: the epsilon keeps 99.9 % of 1,000 at rank 999 despite floating point (999.0000000000001).
  const rank = Math.min(ordered.length - 1, Math.max(0, Math.ceil((p * ordered.length) / 100 - 1e-9) - 1))
  return ordered[rank]!
}

export const median = (values: readonly number[]): number => percentile(values, 50)

export interface Summary {
  median: number
  min: number
  max: number
  p50?: number
  p99?: number
  p999?: number
  count: number
}

export const summarize = (values: readonly number[], samples?: readonly number[]): Summary => {
  const summary: Summary = {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    count: values.length
  }
  if (samples && samples.length > 0) {
    summary.p50 = percentile(samples, 50)
    summary.p99 = percentile(samples, 99)
    summary.p999 = percentile(samples, 99.9)
  }
  return summary
}

/**
 * Runs `systems` `repetitions` times, interleaved A B C then C B A and so on, so that drift in
 * the machine (heat, other load) falls on every system alike.
 */
export const interleaved = async <S>(systems: readonly S[], repetitions: number, run: (system: S, repetition: number) => Promise<void>): Promise<void> => {
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const order = repetition % 2 === 0 ? systems : [...systems].reverse()
    for (const system of order) await run(system, repetition)
  }
}
