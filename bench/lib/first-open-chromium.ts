// The first-open benchmark in headless Chromium: the page built once, reloaded before each opening, and the JS heap an opening holds read after a forced GC.
import type { Browser, CDPSession, Page } from 'playwright-core'
import { launchChromium } from '../../test/e2e/chromium'
import { toBase64Url } from '../../shared/ids'
import type { Identity } from '../../shared/identity'
import { buildPage } from './chromium-history'
import { startPageServer, type PageServer } from './chromium-page-server'
import type { DirectoryDownload, SidebarExpected, SidebarOpening } from './first-open-client'
import type { FirstOpenPageApi } from './first-open-page'

const call = <K extends keyof FirstOpenPageApi>(page: Page, method: K, ...args: Parameters<FirstOpenPageApi[K]>): Promise<Awaited<ReturnType<FirstOpenPageApi[K]>>> =>
  page.evaluate(({ method, args }) => {
    const api = (globalThis as unknown as { parleyBench: Record<string, (...a: unknown[]) => unknown> }).parleyBench
    return api[method]!(...args)
  }, { method, args: args as unknown[] }) as Promise<Awaited<ReturnType<FirstOpenPageApi[K]>>>

/** An opening and the JS heap it holds: the page's heap after a forced GC with it held, less the heap before it (after a GC too). */
export interface Held<T> {
  result: T
  heapBytes: number
}

export interface FirstOpenChromium {
  openV2(options: { url: string; me: Identity; prefix: string; expected: SidebarExpected; timeoutMs: number; inMemory?: boolean }): Promise<Held<SidebarOpening>>
  openV1(options: { url: string; timeoutMs: number }): Promise<Held<DirectoryDownload>>
  close(): Promise<void>
}

const heapUsed = async (cdp: CDPSession): Promise<number> => {
  await cdp.send('HeapProfiler.collectGarbage')
  return (await cdp.send('Runtime.getHeapUsage')).usedSize
}

/** Builds the page, serves it and launches Chromium (a few seconds). */
export const startFirstOpenChromium = async (): Promise<FirstOpenChromium> => {
  const script = await buildPage('bench/lib/first-open-page.ts')
  const server: PageServer = await startPageServer()
  let browser: Browser | null = null
  try {
    server.put('/', { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>first open bench</title><script type="module" src="/page.js"></script>' })
    server.put('/page.js', { type: 'text/javascript', body: script })
    browser = await launchChromium()
    const page = await (await browser.newContext()).newPage()
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('HeapProfiler.enable')
    /** A fresh JavaScript context on the same origin: nothing held from the last opening. */
    const fresh = async () => {
      await page.goto(`${server.url}/`)
      await page.waitForFunction(() => 'parleyBench' in globalThis)
    }
    const held = async <T>(open: () => Promise<T>): Promise<Held<T>> => {
      await fresh()
      const before = await heapUsed(cdp)
      try {
        const result = await open()
        return { result, heapBytes: (await heapUsed(cdp)) - before }
      } finally {
        await call(page, 'release')
      }
    }
    return {
      openV2: async ({ url, me, prefix, expected, timeoutMs, inMemory }) => {
        const pkcs8 = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('pkcs8', me.keys.privateKey)))
        try {
          return await held(() => call(page, 'openV2', { url, pkcs8, publicKey: me.public_key, prefix, expected, timeoutMs, inMemory }))
        } finally {
          await call(page, 'deleteDatabases', prefix)
        }
      },
      openV1: ({ url, timeoutMs }) => held(() => call(page, 'openV1', { url, timeoutMs })),
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
