// The `history` workload in headless Chromium: real IndexedDB, Parley's client modules bundled by Vite, the same seeds as in Node.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../test/e2e/chromium'
import { toBase64Url } from '../../shared/ids'
import type { BenchContext, Measurement } from '../workload'
import { compare, notRun, type CaseInfo, type ClientSystem } from './client-cases'
import { historyCase } from './client-history-case'
import { PAGE } from './client-open'
import type { ChatSeed } from './client-seed'
import type { PageApi, PageOpening } from './chromium-history-page'
import { startPageServer, type PageServer } from './chromium-page-server'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const CHROMIUM_SOURCE = 'Chromium IndexedDB'

/** Bundles a page script (Parley's client modules, y-indexeddb, Yjs) as the app's build would: Vite, minified. */
export const buildPage = async (entry = 'bench/lib/chromium-history-page.ts'): Promise<string> => {
  const { build } = await import('vite')
  const outDir = await mkdtemp(join(tmpdir(), 'parley-bench-page-'))
  try {
    await build({
      root: ROOT,
      configFile: false,
      logLevel: 'warn',
      publicDir: false,
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
      build: {
        lib: { entry: join(ROOT, entry), formats: ['es'], fileName: () => 'page.js' },
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        minify: true
      }
    })
    return await readFile(join(outDir, 'page.js'), 'utf8')
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

const call = <K extends keyof PageApi>(page: Page, method: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> =>
  page.evaluate(({ method, args }) => {
    const api = (globalThis as unknown as { parleyBench: Record<string, (...a: unknown[]) => unknown> }).parleyBench
    return api[method]!(...args)
  }, { method, args: args as unknown[] }) as Promise<Awaited<ReturnType<PageApi[K]>>>

/** A fresh JavaScript context on the same origin (its IndexedDB kept): nothing cached in memory from the last opening. */
const reload = async (page: Page, server: PageServer): Promise<void> => {
  await page.goto(`${server.url}/`)
  await page.waitForFunction(() => 'parleyBench' in globalThis)
}

const checked = (seed: ChatSeed, opening: PageOpening): number => {
  if (opening.count !== PAGE || opening.newestId !== seed.newest.message_id) {
    throw new Error(`expected the newest ${PAGE} messages, got ${opening.count} (newest ${opening.newestId})`)
  }
  if (opening.unverified !== 0) throw new Error(`${opening.unverified} messages failed their signature check`)
  return opening.ms
}

const measureSize = async (context: BenchContext, page: Page, server: PageServer, seed: ChatSeed, info: CaseInfo, warmUp: boolean): Promise<Measurement[]> => {
  const { chat } = seed
  const parleyPrefix = `bench/${seed.size}/parley/`
  const naiveName = `bench/${seed.size}/naive/log`
  const rooms: Record<string, string> = {}
  ;[...seed.rooms].forEach(([room, update], i) => {
    server.put(`/seed/${seed.size}/${i}`, { type: 'application/octet-stream', body: update })
    rooms[room] = `/seed/${seed.size}/${i}`
  })
  await reload(page, server)
  await call(page, 'seed', parleyPrefix, rooms)
  if (seed.naive) {
    server.put(`/seed/${seed.size}/naive`, { type: 'application/octet-stream', body: seed.naive })
    await call(page, 'seed', `bench/${seed.size}/naive/`, { log: `/seed/${seed.size}/naive` })
  }
  const pkcs8 = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('pkcs8', chat.bob.keys.privateKey)))
  const systems: ClientSystem[] = seed.naive ? ['naive', 'parley'] : ['parley']
  try {
    const measured = await compare(context, [info], systems, async system => {
      await reload(page, server)
      const opening = system === 'parley'
        ? await call(page, 'openParley', { prefix: parleyPrefix, pkcs8, publicKey: chat.bob.public_key, other: chat.alice.user_id, limit: PAGE })
        : await call(page, 'openNaive', { name: naiveName, keys: [...chat.keys], limit: PAGE })
      return [checked(seed, opening)]
    }, { warmUp })
    return seed.naive ? measured : [...measured, ...notRun(info, ['naive'], 'not run at this size (see the IndexedDB case for why)')]
  } finally {
    await call(page, 'deleteDatabases', `bench/${seed.size}/`)
  }
}

/** Chromium with the page loaded, ready to measure one size after another. */
export interface ChromiumHistory {
  measure(context: BenchContext, seed: ChatSeed, warmUp: boolean): Promise<Measurement[]>
  close(): Promise<void>
}

/** Builds the page, serves it and launches Chromium (a few seconds). */
export const startChromiumHistory = async (): Promise<ChromiumHistory> => {
  const script = await buildPage()
  const server = await startPageServer()
  let browser: Browser | null = null
  try {
    server.put('/', { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>history bench</title><script type="module" src="/history-page.js"></script>' })
    server.put('/history-page.js', { type: 'text/javascript', body: script })
    browser = await launchChromium()
    const page = await (await browser.newContext()).newPage()
    return {
      measure: async (context, seed, warmUp) => {
        const info = historyCase(seed.size, CHROMIUM_SOURCE)
        try {
          return await measureSize(context, page, server, seed, info, warmUp)
        } catch (error) {
          context.log(`Chromium: ${(error as Error).stack ?? error}`)
          return notRun(info, ['naive', 'parley'], `failed: ${(error as Error).message}`)
        }
      },
      close: async () => {
        await browser?.close()
        await server.close()
      }
    }
  } catch (error) {
    await browser?.close()
    await server.close()
    throw error
  }
}
