// Makes sure the browser tests have a Chromium before `npm test` runs them: silent when one is
// there, installs Debian's as root, and otherwise stops the run loudly (never a silent skip).
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

// NOTE: the same rule as test/e2e/harness.ts: PARLEY_CHROMIUM when set, else Debian's chromium.
const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const chosen = process.env.PARLEY_CHROMIUM || DEBIAN_CHROMIUM

const isExecutableFile = path => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

const onPath = command => (process.env.PATH ?? '').split(delimiter).some(dir => dir !== '' && isExecutableFile(join(dir, command)))

const fail = (...reasons) => {
  const lines = [
    'Parley\'s browser tests (test/e2e) need Chromium, and none was found.',
    ...reasons,
    '',
    'Install it, then run the tests again:',
    '    sudo apt-get install chromium        (Debian or Ubuntu: gives /usr/bin/chromium)',
    'or point the tests at a Chromium or Chrome binary you already have:',
    '    PARLEY_CHROMIUM=/path/to/chromium npm test'
  ]
  const width = Math.max(...lines.map(line => line.length))
  const rule = '!'.repeat(width + 4)
  console.error(['', rule, ...lines.map(line => `! ${line.padEnd(width)} !`), rule, ''].join('\n'))
  process.exit(1)
}

const run = (command, args) => {
  console.error(`ensure-chromium: ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return result.status === 0
}

if (isExecutableFile(chosen)) process.exit(0)

if (process.env.PARLEY_CHROMIUM) {
  fail(`PARLEY_CHROMIUM is set to "${process.env.PARLEY_CHROMIUM}", which is not an executable file.`)
}

const isRoot = process.getuid?.() === 0
const isDebian = existsSync('/etc/debian_version')
if (!(isRoot && isDebian && onPath('apt-get'))) {
  fail(`There is nothing at ${DEBIAN_CHROMIUM}, and it was not installed automatically:`, 'that is done only as root on Debian with apt-get.')
}

console.error(`ensure-chromium: ${DEBIAN_CHROMIUM} is missing; installing Debian's chromium package.`)
if (!run('apt-get', ['update']) || !run('apt-get', ['install', '-y', 'chromium'])) {
  fail('apt-get could not install the chromium package (see its output above).')
}
if (!isExecutableFile(DEBIAN_CHROMIUM)) {
  fail(`apt-get installed the chromium package, but ${DEBIAN_CHROMIUM} is still missing.`)
}
