// Spins for argv[2] ms reading the clock and prints, as JSON, every gap of at least argv[3] ms
// between two readings: the moments this process was not running, though it always wanted to.
import { performance } from 'node:perf_hooks'

const windowMs = Number(process.argv[2])
const minGapMs = Number(process.argv[3])
const pausesMs = []
const start = performance.now()
let last = start
for (;;) {
  const now = performance.now()
  if (now - last >= minGapMs) pausesMs.push(now - last)
  last = now
  if (now - start >= windowMs) break
}
process.stdout.write(JSON.stringify({ windowMs: last - start, pausesMs }))
