// Comparing the client systems: values per repetition, samples kept, a failing system reported as not run.
import { describe, expect, it } from 'vitest'
import type { BenchContext } from '../workload'
import { compare, notRun, type CaseInfo } from './client-cases'

const context: BenchContext = { quick: true, repetitions: 3, deadline: Date.now() + 60_000, log: () => {} }
const info: CaseInfo = { workload: 'w', case: 'c', metric: 'm', unit: 'ms', better: 'lower' }

describe('compare', () => {
  it('runs the systems interleaved, one value per repetition and metric, keeping samples', async () => {
    const order: string[] = []
    const measured = await compare(context, [info, { ...info, metric: 'n' }], ['naive', 'parley'], async (system, repetition) => {
      order.push(`${system}${repetition}`)
      return [repetition, { value: 10 + repetition, samples: [repetition, repetition] }]
    }, { warmUp: true })
    expect(order).toEqual(['naive-1', 'parley-1', 'naive0', 'parley0', 'parley1', 'naive1', 'naive2', 'parley2'])
    expect(measured).toEqual([
      { ...info, system: 'naive', values: [0, 1, 2] },
      { ...info, system: 'parley', values: [0, 1, 2] },
      { ...info, metric: 'n', system: 'naive', values: [10, 11, 12], samples: [0, 0, 1, 1, 2, 2] },
      { ...info, metric: 'n', system: 'parley', values: [10, 11, 12], samples: [0, 0, 1, 1, 2, 2] }
    ])
  })

  it('reports a system that throws as not run, with the error, and still measures the other', async () => {
    const measured = await compare(context, [info], ['naive', 'parley'], async system => {
      if (system === 'naive') throw new Error('broken')
      return [1]
    })
    expect(measured).toEqual([
      { ...info, system: 'naive', values: [], notRun: 'failed: broken' },
      { ...info, system: 'parley', values: [1, 1, 1] }
    ])
    expect(notRun(info, ['parley'], 'why')).toEqual([{ ...info, system: 'parley', values: [], notRun: 'why' }])
  })
})
