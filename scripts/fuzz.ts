// The long fuzz run (`npm run fuzz -- --frames N --minutes M --seed S`): a relay of its own, the report, exit 1 on any failure.
import 'fake-indexeddb/auto'
import { parseArgs } from 'node:util'
import { Fixture } from '../test/helpers'
import { formatReport, inProcessRelay, runFuzz } from '../test/fuzz/run-fuzz'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    help: { type: 'boolean', default: false }
  }
})
const frames = Number(values.frames)
const minutes = Number(values.minutes)
const seed = Number(values.seed)
if (values.help || !(frames > 0) || !(minutes > 0) || !Number.isInteger(seed)) {
  console.log('usage: npm run fuzz -- [--frames 100000] [--minutes 5] [--seed S]\nStops at whichever of the frame count and the time limit comes first.')
  process.exit(values.help ? 0 : 2)
}

/** The relay refuses frames over this: small, so that oversized frames are cheap to send. */
const limits = { maxFrameBytes: 64 * 1024 }
const fixture = new Fixture('mux')
/** Errors that escaped everything: in this process, a relay crash would show up here. */
const escaped: string[] = []
process.on('uncaughtException', error => { escaped.push(`uncaught exception: ${error.stack ?? error.message}`) })
process.on('unhandledRejection', reason => { escaped.push(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`) })
process.once('SIGINT', () => { void fixture.cleanup().finally(() => process.exit(130)) })

let failed = true
try {
  const dataDir = await fixture.tempDir()
  const relay = await fixture.relay({ dataDir, limits })
  const report = await runFuzz({
    relay: inProcessRelay(relay, () => fixture.relay({ dataDir, limits, port: relay.port })),
    openClient: (target, name) => fixture.client(target, name),
    seed,
    frames,
    durationMs: minutes * 60_000,
    maxFrameBytes: limits.maxFrameBytes,
    progress: line => console.log(line)
  })
  report.failures.push(...escaped)
  console.log(formatReport(report))
  failed = report.failures.length > 0
} catch (error) {
  console.error(`the fuzz run itself failed (seed ${seed}):`, error)
} finally {
  await fixture.cleanup().catch(error => console.error('cleanup failed:', error))
}
process.exit(failed ? 1 : 0)
