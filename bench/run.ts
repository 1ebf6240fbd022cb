// `npm run bench`: runs the workloads, prints a table and writes JSON to bench/results/.
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatFigure as format, summarize, type Summary } from './lib/stats'
import type { BenchContext, Measurement, System } from './workload'
import { WORKLOADS } from './workloads'
import { SOAK_MINUTES_ENV } from './workloads/soak'

const USAGE = `Usage: npm run bench -- [--quick] [--only id,id] [--repetitions N] [--soak-minutes M]

Workloads: ${WORKLOADS.map(workload => workload.id).join(', ')}
The default run takes under ten minutes on two cores; --quick under two.`

const BASELINES: readonly System[] = ['floor', 'stock', 'hocuspocus', 'naive', 'parley-before']

interface Row extends Omit<Measurement, 'values' | 'samples'> {
  summary: Summary | null
  /** Parley's median (or p99 for latencies) over the best baseline's; null without a baseline. */
  ratio: number | null
}

const figure = (summary: Summary): number => summary.p99 ?? summary.median

const rowsOf = (measurements: Measurement[]): Row[] => {
  const rows = measurements.map(({ values, samples, ...rest }): Row => ({
    ...rest,
    summary: rest.notRun ? null : summarize(values, samples),
    ratio: null
  }))
  for (const row of rows) {
    if (row.system !== 'parley' || !row.summary) continue
    const baselines = rows.filter(other => other.case === row.case && other.metric === row.metric &&
      other.workload === row.workload && BASELINES.includes(other.system) && other.system !== 'floor' && other.summary)
    if (baselines.length === 0) continue
    const values = baselines.map(other => figure(other.summary!))
    const best = row.better === 'lower' ? Math.min(...values) : Math.max(...values)
    // No ratio against a best of zero (e.g. 0 % failed sessions): it would read as infinitely worse.
    const ratio = figure(row.summary) / best
    row.ratio = best !== 0 && Number.isFinite(ratio) ? ratio : null
  }
  return rows
}

const printTable = (rows: Row[]): void => {
  const lines = [['workload', 'case', 'metric', 'system', 'median (min–max)', 'p50 / p99 / p99.9', 'vs best baseline', 'target']]
  for (const row of rows) {
    const s = row.summary
    lines.push([
      row.workload,
      row.case,
      `${row.metric} (${row.unit})`,
      row.system,
      s ? `${format(s.median)} (${format(s.min)}–${format(s.max)})` : `not run: ${row.notRun}`,
      s?.p99 !== undefined ? `${format(s.p50)} / ${format(s.p99)} / ${format(s.p999)}` : '',
      row.ratio === null ? '' : `${format(row.ratio)}×`,
      row.target && row.system === 'parley' ? `${row.target.op} ${row.target.value}` : ''
    ])
  }
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map(line => line[column]!.length)))
  for (const line of lines) console.log(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd())
}

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, repetitions: { type: 'string' }, 'soak-minutes': { type: 'string' }, help: { type: 'boolean' } },
    strict: true
  })
  if (values.help) return console.log(USAGE)
  if (values['soak-minutes'] !== undefined) {
    const minutes = Number(values['soak-minutes'])
    if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error(`--soak-minutes must be a number of minutes from 0 to 1440, not "${values['soak-minutes']}"`)
    process.env[SOAK_MINUTES_ENV] = String(minutes)
  }
  const quick = values.quick ?? false
  const only = values.only?.split(',').map(id => id.trim())
  const chosen = WORKLOADS.filter(workload => !only || only.includes(workload.id))
  if (only && chosen.length !== only.length) throw new Error(`unknown workload in --only; known: ${WORKLOADS.map(w => w.id).join(', ')}`)
  const repetitions = Number(values.repetitions ?? (quick ? 3 : 5))
  // NOTE: a quick run's workloads overran their shares by 20–30 s in all (servers starting,
  // fixed idle windows, the machine-pause check), so its budget leaves that much of the two
  // minutes spare.
  const totalMs = quick ? 80_000 : 560_000
  // NOTE: each workload gets its weight's share of the time still left, so that what one
  // workload did not need goes to those after it, and the run as a whole stays within totalMs.
  let weightLeft = chosen.reduce((sum, workload) => sum + (workload.weight ?? 1), 0)
  const started = Date.now()
  const measurements: Measurement[] = []
  for (const workload of chosen) {
    const weight = workload.weight ?? 1
    const budgetMs = (Math.max(0, totalMs - (Date.now() - started)) * weight) / Math.max(weight, weightLeft)
    weightLeft -= weight
    const context: BenchContext = {
      quick,
      repetitions,
      deadline: Date.now() + budgetMs,
      log: line => console.error(`[${workload.id}] ${line}`)
    }
    const begun = Date.now()
    context.log(`${workload.title}…`)
    measurements.push(...await workload.run(context))
    context.log(`done in ${((Date.now() - begun) / 1000).toFixed(1)} s`)
  }
  const rows = rowsOf(measurements)
  printTable(rows)
  const result = {
    command: `npm run bench --${quick ? ' --quick' : ''}${only ? ` --only ${only.join(',')}` : ''}`,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    started: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    rows
  }
  const directory = join(import.meta.dirname, 'results')
  await mkdir(directory, { recursive: true })
  const file = join(directory, `${result.started.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`)
  await writeFile(file, JSON.stringify(result, null, 2))
  await writeFile(join(directory, 'latest.json'), JSON.stringify(result, null, 2))
  console.error(`results: ${file} (${result.seconds} s)`)
}

main().then(() => process.exit(0), error => {
  console.error((error as Error).stack ?? error)
  process.exit(1)
})
