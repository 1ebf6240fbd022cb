// Global setup of the e2e project: builds the web app and the <parley-chat> widget once per run,
// from the current source, with the project's own vite.config.ts and vite.widget.config.ts (as
// `npm run build` does: the app first, then the widget beside it), and hands the directory to the tests.
// NOTE: into a fresh temporary directory rather than dist/, so a test run never replaces the
// app that `npm start` serves, and never tests a stale dist/ left by an older `npm run build`.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import type { TestProject } from 'vitest/node'
import { chromiumPath } from './chromium'

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * What each test's relay serves: the built web app (index.html and assets), the widget
     * (parley-chat.js), the widget's test page (widget-host.html) and examples/embed.html.
     */
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
    await build({
      root: ROOT,
      configFile: join(ROOT, 'vite.widget.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: false }
    })
    // Plain pages embedding the widget, served by the test relays from the same origin.
    await copyFile(join(ROOT, 'test/e2e/widget-host.html'), join(outDir, 'widget-host.html'))
    await mkdir(join(outDir, 'examples'))
    await copyFile(join(ROOT, 'examples/embed.html'), join(outDir, 'examples/embed.html'))
  } catch (error) {
    await rm(outDir, { recursive: true, force: true })
    throw new Error(`the web app or the widget does not build, so no browser test can run: ${(error as Error).message}`, { cause: error })
  }
  project.provide('parleyAppDir', outDir)
  return () => rm(outDir, { recursive: true, force: true })
}
