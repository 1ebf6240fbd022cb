// Global setup of the e2e project: builds the web app once per run, from the current source, with
// the project's own vite.config.ts, and hands its directory to the tests.
// NOTE: into a fresh temporary directory rather than dist/, so a test run never replaces the
// app that `npm start` serves, and never tests a stale dist/ left by an older `npm run build`.
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import type { TestProject } from 'vitest/node'
import { chromiumPath } from './chromium'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built web app (index.html and assets) that each test's relay serves. */
    parleyAppDir: string
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export default async function buildApp (project: TestProject): Promise<() => Promise<void>> {
  // Checked here too, so that `npx vitest` without `npm test` fails at once and says why.
  const chromium = chromiumPath()
  if (!existsSync(chromium)) {
    throw new Error(`Chromium not found at ${chromium}: run \`node scripts/ensure-chromium.mjs\` (or \`sudo apt-get install chromium\`, or set PARLEY_CHROMIUM=/path/to/chromium)`)
  }
  const outDir = await mkdtemp(join(tmpdir(), 'parley-e2e-app-'))
  try {
    await build({
      root: ROOT,
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true }
    })
  } catch (error) {
    await rm(outDir, { recursive: true, force: true })
    throw new Error(`the web app does not build, so no browser test can run: ${(error as Error).message}`, { cause: error })
  }
  project.provide('parleyAppDir', outDir)
  return () => rm(outDir, { recursive: true, force: true })
}
