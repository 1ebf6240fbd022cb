// The built web app and widget for the bundle workload: dist/ when it is newer than every source it is built from, else a fresh build into a temporary directory.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** What the app and the widget are built from: a change to any of them makes dist/ stale. */
const SOURCES = ['web', 'shared', 'index.html', 'vite.config.ts', 'vite.widget.config.ts', 'package-lock.json']

const newestMtime = async (path: string): Promise<number> => {
  const info = await stat(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)))
  return newest
}

export interface BuiltApp {
  readonly dir: string
  /** How it was obtained, for the report: 'dist/ (newer than its sources)' or 'fresh build'. */
  readonly origin: string
  /** Removes a temporary build (dist/ is left alone). */
  dispose(): Promise<void>
}

/** dist/ if it holds the app and the widget, built after the last change to their sources; else builds both, as `npm run build` does. */
export const builtApp = async (): Promise<BuiltApp> => {
  const dist = join(ROOT, 'dist')
  const built = [join(dist, 'index.html'), join(dist, 'parley-chat.js')]
  if (built.every(existsSync)) {
    const builtAt = Math.min(...await Promise.all(built.map(async file => (await stat(file)).mtimeMs)))
    const changedAt = Math.max(...await Promise.all(SOURCES.map(source => newestMtime(join(ROOT, source)))))
    if (builtAt > changedAt) return { dir: dist, origin: 'dist/ (newer than its sources)', dispose: async () => {} }
  }
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-app-'))
  try {
    const vite = join(ROOT, 'node_modules/.bin/vite')
    const env = { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' }
    await run(vite, ['build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, env })
    await run(vite, ['build', '--config', 'vite.widget.config.ts', '--outDir', dir, '--logLevel', 'warn'], { cwd: ROOT, env })
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, origin: 'fresh build into a temporary directory', dispose: () => rm(dir, { recursive: true, force: true }) }
}

/** The gzipped sizes scripts/report-sizes.mjs reports for a build (kB), read from its output. */
export const reportedSizes = async (dir: string): Promise<{ appKb: number; widgetKb: number }> => {
  const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/report-sizes.mjs'), dir], { cwd: ROOT })
  const app = /app \(initial load\): ([\d.]+) kB gzip/.exec(stdout)
  const widget = /widget: ([\d.]+) kB gzip/.exec(stdout)
  if (!app || !widget) throw new Error(`unexpected output from report-sizes.mjs: ${stdout}`)
  return { appKb: Number(app[1]), widgetKb: Number(widget[1]) }
}
