// What a LevelDB data directory holds before it is opened (nothing yet, a sound database, or damage LevelDB would pass over in silence), and what LevelDB said it skipped.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { findLogDamage, type LogDamage } from './leveldb-log'

export type DataDirectoryState =
  /** Absent, empty, or holding only files that are not LevelDB's (the invitation secret): a new database starts. */
  | { state: 'new' }
  | { state: 'sound' }
  | {
    state: 'damaged'
    /** LevelDB data files are there, but not the CURRENT file that names the manifest listing them. */
    missingCurrent: boolean
    dataFiles: string[]
    damagedLogs: Array<{ file: string; damage: LogDamage[] }>
  }

export type DamagedDirectory = Extract<DataDirectoryState, { state: 'damaged' }>

/** Tables, write-ahead logs and manifests: a directory holding any of them is a database, not a new one. */
const DATA_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+)$/

/**
 * Looks at a data directory without opening it.
 * NOTE: every write-ahead log is read, including one LevelDB would find obsolete (left behind
 * by a crash after its records reached a table), so such a log, if damaged, stops the relay
 * too: rare, and better than reading the manifest to tell them apart.
 */
export const inspectDataDirectory = async (directory: string): Promise<DataDirectoryState> => {
  let names: string[]
  try {
    names = await readdir(directory)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'new' }
    throw error
  }
  const dataFiles = names.filter(name => DATA_FILE.test(name)).sort()
  const hasCurrent = names.includes('CURRENT')
  if (!hasCurrent && dataFiles.length === 0) return { state: 'new' }
  const damagedLogs: DamagedDirectory['damagedLogs'] = []
  for (const file of dataFiles.filter(name => name.endsWith('.log'))) {
    const damage = findLogDamage(await readFile(join(directory, file)))
    if (damage.length > 0) damagedLogs.push({ file, damage })
  }
  if (hasCurrent && damagedLogs.length === 0) return { state: 'sound' }
  return { state: 'damaged', missingCurrent: !hasCurrent, dataFiles, damagedLogs }
}

const listed = (names: string[], shown = 4): string =>
  names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`

/** Each damaged log in a few words: where, why, and how much LevelDB would drop. */
export const describeLogDamage = (damagedLogs: DamagedDirectory['damagedLogs']): string =>
  damagedLogs.map(({ file, damage }) => {
    const bytes = damage.reduce((sum, { bytes }) => sum + bytes, 0)
    const first = damage[0]!
    return `${file}: ${first.reason} at byte ${first.offset}${damage.length > 1 ? ` and ${damage.length - 1} more place(s)` : ''}, ${bytes} bytes of records in all`
  }).join('; ')

/** What is wrong with a damaged directory, what LevelDB would have done with it, and what to do: for the person running the relay. */
export const explainDamage = (directory: string, found: DamagedDirectory): string => {
  const repair = `npm run repair -- --data-dir ${directory}`
  if (found.missingCurrent) {
    return `the data directory ${directory} holds LevelDB files (${listed(found.dataFiles)}) but no CURRENT file, ` +
      'which names the manifest listing them: opened as it is, LevelDB would start an empty database and delete the tables. ' +
      'The relay will not start on it. Restore the directory from a backup, or ' +
      (found.damagedLogs.length === 0
        ? `run \`${repair}\` (it copies the directory first, then rebuilds the manifest from the files).`
        : `put back its CURRENT file: its write-ahead log is damaged too (${describeLogDamage(found.damagedLogs)}), which \`${repair}\` cannot mend without a CURRENT file.`)
  }
  return `the data directory ${directory} is damaged: its write-ahead log has records that fail their checks ` +
    `(${describeLogDamage(found.damagedLogs)}). Opened as it is, LevelDB would drop those records without a word. ` +
    'The relay will not start on it. Restore the directory from a backup, or ' +
    `run \`${repair}\`: it copies the directory first, then keeps every record whose checksum holds and drops the others ` +
    '(what people wrote there comes back from their own devices when they next connect, if those still hold it).'
}

/**
 * Lines in LevelDB's diary (the `LOG` file, begun afresh at each open) saying it dropped or
 * ignored something while opening: whatever got past the checks above.
 */
export const skippedWhileOpening = async (directory: string): Promise<string[]> => {
  let diary: string
  try {
    diary = await readFile(join(directory, 'LOG'), 'utf8')
  } catch {
    return []
  }
  return diary.split('\n').filter(line => /dropping \d+ bytes|Ignoring error|Corruption/.test(line))
    .map(line => line.replace(/^\S+ \S+ /, '').trim())
}
