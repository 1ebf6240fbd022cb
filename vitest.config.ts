// Three test projects: `unit` (model, relay and integration tests in Node with fake-indexeddb; the web
// app's view models under happy-dom), `bench` (the benchmarks' instruments) and `e2e` (the built
// web app in headless Chromium against the real relay). `vitest run` runs all three;
// `--project <name>` picks one.
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // Compiles the runes in `.svelte.ts` view models and `.svelte.test.ts` files.
        // NOTE: a test of runes needs `// @vitest-environment happy-dom` at its top. In the Node
        // environment Svelte is compiled for and resolved to its server runtime, where effects
        // never run and createSubscriber does nothing: such a test would pass checking nothing.
        plugins: [svelte({ configFile: false })],
        // Browser builds for happy-dom files (Vite's client environment) only: Node tests keep theirs.
        resolve: { conditions: ['browser'] },
        test: {
          name: 'unit',
          include: ['client/**/*.test.ts', 'shared/**/*.test.ts', 'relay/**/*.test.ts', 'web/**/*.test.ts', 'test/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/e2e/**'],
          setupFiles: ['fake-indexeddb/auto'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          sequence: { groupOrder: 0 }
        }
      },
      {
        // The benchmarks' own instruments (their workspace: bench/package.json), checked in Node as the unit tests are.
        test: {
          name: 'bench',
          include: ['bench/**/*.test.ts'],
          setupFiles: ['fake-indexeddb/auto'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // Builds the web app once per run, from the current source, into a temporary directory.
          globalSetup: ['test/e2e/build-app.ts'],
          // NOTE: one file at a time: each file runs a Chromium, and on two cores two of them
          // at once make timing-sensitive checks (presence, reconnects) flaky.
          fileParallelism: false,
          // The files share one worker and so import the relay and Playwright once, not per file;
          // nothing in test/e2e keeps state at module level.
          isolate: false,
          // After the unit project, not beside it: Chromium and the unit suite on two cores at once
          // would slow both past their timeouts.
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
