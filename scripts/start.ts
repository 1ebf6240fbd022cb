// `npm start [-- relay flags]`: builds the web app and the widget, then runs the relay with the given flags.
// NOTE: a script rather than `npm run build && npm run relay`, which handed the flags to the build
// (npm appends them to the end of the whole line) and left the relay with bare values ("Unexpected argument '8080'").
import { spawnSync } from 'node:child_process'
import { parseConfig, USAGE } from '../relay/config'

const flags = process.argv.slice(2)

// NOTE: the flags are checked before the build, so a mistyped one fails at once rather than after it.
let config
try {
  config = parseConfig(flags, process.env)
} catch (error) {
  console.error(`${(error as Error).message}\n\nnpm start -- [options]: builds the web app, then runs the relay.\n${USAGE}`)
  process.exit(2)
}
if (config === 'help') {
  console.log(`npm start -- [options]: builds the web app, then runs the relay.\n${USAGE}`)
  process.exit(0)
}

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

// The relay reads the same process.argv; running it in this process lets SIGINT and SIGTERM reach it directly.
await import('../relay/main')
