// `npx tsx bench/markdown.ts bench/results/<run>.json`: one run's rows as the Markdown tables of docs/performance.md.
import { readFileSync } from 'node:fs'
import { formatFigure } from './lib/stats'

interface Summary { median: number; min: number; max: number; count: number; p50?: number; p99?: number }
interface Row {
  workload: string
  case: string
  system: string
  metric: string
  unit: string
  notRun?: string
  target?: { op: string; value: number }
  summary: Summary | null
  ratio: number | null
}
interface Run { command: string; started: string; seconds: number; machine: { cpus: number; model?: string; memoryGiB: number; node: string }; rows: Row[] }

const SYSTEMS = ['floor', 'stock', 'hocuspocus', 'naive', 'parley-before', 'parley'] as const
/** Columns shown only in the tables of workloads that measure them. */
const OPTIONAL_SYSTEMS: readonly string[] = ['parley-before']

/** As the stdout table prints figures, without toPrecision's trailing zeros (0.500 → 0.5). */
const number = (value: number): string => {
  const text = formatFigure(value)
  return text.includes('.') && !text.includes('e') && Math.abs(value) < 10 ? Number(text).toString() : text
}

/** A latency as p50 / p99 over every sample; anything else as median (min–max) over repetitions. */
const cell = (row: Row | undefined): string => {
  if (!row) return ''
  if (row.notRun !== undefined || !row.summary) return 'not run'
  const s = row.summary
  if (s.p50 !== undefined && s.p99 !== undefined) return `${number(s.p50)} / ${number(s.p99)}`
  return s.count === 1 || s.min === s.max ? number(s.median) : `${number(s.median)} (${number(s.min)}–${number(s.max)})`
}

const main = (): void => {
  const file = process.argv[2]
  if (!file) throw new Error('usage: npx tsx bench/markdown.ts bench/results/<run>.json')
  const run = JSON.parse(readFileSync(file, 'utf8')) as Run
  const { cpus, model, memoryGiB, node } = run.machine
  const out = [`Command: \`${run.command}\` — ${run.started}, ${run.seconds} s; machine: ${cpus} cores (${model ?? 'unknown'}), ${memoryGiB} GiB, Node ${node}.`, '']
  const workloads = [...new Set(run.rows.map(row => row.workload))]
  for (const workload of workloads) {
    const rows = run.rows.filter(row => row.workload === workload)
    const systems = SYSTEMS.filter(system => !OPTIONAL_SYSTEMS.includes(system) || rows.some(row => row.system === system))
    out.push(`### ${workload}`, '', `| case | metric | ${systems.join(' | ')} | vs best | target |`, `|---|---|${systems.map(() => '---').join('|')}|---|---|`)
    const keys = [...new Set(rows.map(row => `${row.case}\u0000${row.metric}`))]
    for (const key of keys) {
      const [caseName, metric] = key.split('\u0000') as [string, string]
      const same = rows.filter(row => row.case === caseName && row.metric === metric)
      const parley = same.find(row => row.system === 'parley')
      const any = same[0]!
      const ratio = parley?.ratio == null ? '' : `${number(parley.ratio)}×`
      const withTarget = same.find(row => row.target)
      const target = withTarget?.target ? `${withTarget.target.op} ${withTarget.target.value}` : ''
      out.push(`| ${caseName} | ${metric} (${any.unit}) | ${systems.map(system => cell(same.find(row => row.system === system))).join(' | ')} | ${ratio} | ${target} |`)
    }
    out.push('')
  }
  console.log(out.join('\n'))
}

main()
