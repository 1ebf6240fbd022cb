// `npm run repair`: mends a data directory the relay refused to open (a damaged write-ahead log, a lost CURRENT file), after copying it whole.
import { cp } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ClassicLevel } from 'classic-level'
import { describeLogDamage, explainDamage, inspectDataDirectory, skippedWhileOpening } from './storage/leveldb-directory'

const USAGE = `Usage: npm run repair -- [--data-dir DIR]

Mends the relay's data directory DIR (default ./data, or PARLEY_DATA_DIR) when the relay
refuses to start on it. Stop the relay first. It copies DIR whole to DIR.before-repair-<time>,
then:
  - a damaged write-ahead log: LevelDB reads it, keeping every record whose checksum holds and
    dropping the others;
  - no CURRENT file: LevelDB's RepairDB rebuilds the manifest from the table and log files.
A sound directory is left as it is. What was dropped is gone from the relay, not from people's
devices: each author's devices send back what they wrote when they next connect.`

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } },
    strict: true
  })
  if (values.help) return console.log(USAGE)
  const directory = resolve(values['data-dir'] ?? process.env.PARLEY_DATA_DIR ?? 'data')
  const found = await inspectDataDirectory(directory)
  if (found.state !== 'damaged') {
    console.log(`${directory}: ${found.state === 'new' ? 'holds no database' : 'sound'}; nothing to repair`)
    return
  }
  // NOTE: leveldb-1.20's RepairDB reads write-ahead logs without checking their checksums, so
  // it would store damaged records as they are: it is used only when the logs are sound.
  if (found.missingCurrent && found.damagedLogs.length > 0) throw new Error(explainDamage(directory, found))

  const backup = `${directory}.before-repair-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await cp(directory, backup, { recursive: true, errorOnExist: true, force: false })
  console.log(`copied ${directory} to ${backup}`)
  if (found.missingCurrent) {
    await ClassicLevel.repair(directory)
    console.log(`rebuilt the manifest from ${found.dataFiles.length} files`)
  } else {
    const dropped = found.damagedLogs.flatMap(({ damage }) => damage).reduce((sum, { bytes }) => sum + bytes, 0)
    // LevelDB's own recovery, without paranoid checks, is what drops the damaged records.
    const db = new ClassicLevel(directory, { createIfMissing: false })
    try {
      await db.open()
    } catch (error) {
      throw new Error(`cannot open ${directory} (is the relay still running? stop it first): ${(error as Error).message}`)
    }
    await db.close()
    console.log(`dropped ${dropped} bytes of records that failed their checks (${describeLogDamage(found.damagedLogs)})`)
  }
  for (const line of await skippedWhileOpening(directory)) console.log(`LevelDB: ${line}`)

  const after = await inspectDataDirectory(directory)
  if (after.state !== 'sound') throw new Error(`${directory} is still not sound after the repair; restore it from a backup (the copy made is ${backup})`)
  const db = new ClassicLevel(directory, { createIfMissing: false })
  let kept = 0
  for await (const _key of db.keys()) kept += 1
  await db.close()
  console.log(`repaired: ${kept} stored records kept. Start the relay: /healthz lists under storage.skipped the rooms it loads with updates missing.`)
}

main().catch(error => {
  console.error(`repair failed: ${(error as Error).message}`)
  process.exit(1)
})
