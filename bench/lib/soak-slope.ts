// How fast a series grows: the least-squares slope of samples over time, per minute (a soak's memory slope).

/** Least-squares slope of `values` over `times` (ms), per minute. */
export const slopePerMinute = (times: readonly number[], values: readonly number[]): number => {
  const n = times.length
  if (n < 2) return Number.NaN
  const meanT = times.reduce((a, b) => a + b, 0) / n
  const meanV = values.reduce((a, b) => a + b, 0) / n
  let covariance = 0
  let variance = 0
  for (let i = 0; i < n; i++) {
    covariance += (times[i]! - meanT) * (values[i]! - meanV)
    variance += (times[i]! - meanT) ** 2
  }
  return variance === 0 ? Number.NaN : (covariance / variance) * 60_000
}
