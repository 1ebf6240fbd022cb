// How a case of the `history` workload is named and what it is held to, shared by its Node and Chromium parts.
import type { CaseInfo } from './client-cases'

export const HISTORY_WORKLOAD = 'history'

export const sizeLabel = (size: number): string => size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`

/** The targets: the newest 50 ready within 100 ms at 100k messages, 300 ms at 1M. */
export const historyTarget = (size: number): CaseInfo['target'] =>
  size === 100_000 ? { op: '<=', value: 100 } : size === 1_000_000 ? { op: '<=', value: 300 } : undefined

export const historyCase = (size: number, source: string): CaseInfo => {
  const target = historyTarget(size)
  return {
    workload: HISTORY_WORKLOAD,
    case: `${sizeLabel(size)} messages, ${source}`,
    metric: 'newest 50 ready',
    unit: 'ms',
    better: 'lower',
    ...(target ? { target } : {})
  }
}
