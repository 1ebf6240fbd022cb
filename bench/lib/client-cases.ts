// What the client workloads share: measurements of one case for Parley and the naive layout, run interleaved, within the deadline.
import { interleaved } from './stats'
import type { BenchContext, Measurement, System } from '../workload'

export type ClientSystem = Extract<System, 'parley' | 'naive'>

/** A measurement's fixed fields; values are added per system. */
export type CaseInfo = Omit<Measurement, 'system' | 'values' | 'samples' | 'notRun'>

export const notRun = (info: CaseInfo, systems: readonly ClientSystem[], reason: string): Measurement[] =>
  systems.map(system => ({ ...info, system, values: [], notRun: reason }))

/** Whether `estimateMs` more work still ends before the workload's deadline. */
export const fits = (context: BenchContext, estimateMs: number): boolean => Date.now() + estimateMs <= context.deadline

/** One repetition's figure for one metric: a value, or a value with the samples it summarises. */
export type Figure = number | { value: number; samples: number[] }

/**
 * Runs `measure` for each system, interleaved, `context.repetitions` times; each call returns
 * one figure per metric (same order as `infos`). A system that fails is reported as not run,
 * with the error, rather than ending the whole benchmark run.
 */
export const compare = async (
  context: BenchContext,
  infos: readonly CaseInfo[],
  systems: readonly ClientSystem[],
  measure: (system: ClientSystem, repetition: number) => Promise<Figure[]>,
  { warmUp = false }: { warmUp?: boolean } = {}
): Promise<Measurement[]> => {
  // NOTE: one untimed run of each system first, when asked (the first case of a workload), so
  // that loading modules and compiling hot code is not billed to whichever system runs first.
  if (warmUp) for (const system of systems) await measure(system, -1).catch(() => {})
  const empty = () => infos.map(() => ({ values: [] as number[], samples: [] as number[] }))
  const collected = new Map(systems.map(system => [system, empty()]))
  const failures = new Map<ClientSystem, string>()
  await interleaved(systems, context.repetitions, async (system, repetition) => {
    if (failures.has(system)) return
    try {
      const figures = await measure(system, repetition)
      figures.forEach((figure, i) => {
        const into = collected.get(system)![i]!
        if (typeof figure === 'number') {
          into.values.push(figure)
        } else {
          into.values.push(figure.value)
          into.samples.push(...figure.samples)
        }
      })
    } catch (error) {
      context.log(`${infos[0]?.case} ${system}: ${(error as Error).stack ?? error}`)
      failures.set(system, `failed: ${(error as Error).message}`)
    }
  })
  return infos.flatMap((info, i) => systems.map((system): Measurement => {
    if (failures.has(system)) return { ...info, system, values: [], notRun: failures.get(system) }
    const { values, samples } = collected.get(system)![i]!
    return samples.length > 0 ? { ...info, system, values, samples } : { ...info, system, values }
  }))
}

/** Milliseconds taken by `work`. */
export const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/** Runs one case's `work`; if it throws (outside `compare`), its rows are reported as not run, with the error. */
export const guarded = async (context: BenchContext, infos: readonly CaseInfo[], work: () => Promise<Measurement[]>): Promise<Measurement[]> => {
  try {
    return await work()
  } catch (error) {
    context.log(`${infos[0]?.case}: ${(error as Error).stack ?? error}`)
    return infos.flatMap(info => notRun(info, ['naive', 'parley'], `failed: ${(error as Error).message}`))
  }
}
