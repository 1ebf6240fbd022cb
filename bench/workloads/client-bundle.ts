// Workload `bundle`: gzipped size of the app's initial load and of the widget, and time until the app is interactive in headless Chromium.
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../test/e2e/chromium'
import type { Relay } from '../../relay/server'
import type { BenchContext, Measurement, Workload } from '../workload'
import { fits, notRun, type CaseInfo } from '../lib/client-cases'
import { CountingStore, benchRelay } from '../lib/client-relay'
import { builtApp, reportedSizes, type BuiltApp } from '../lib/chromium-app'
import { interleaved } from '../lib/stats'

const WORKLOAD = 'bundle'

/** What the page records (ms since navigation start): when a view appeared, and when the main thread was next free for input. */
interface Marks {
  joinShown?: number
  joinInteractive?: number
  conversationsShown?: number
  conversationsInteractive?: number
}

/**
 * Installed before any of the app's scripts: watches the DOM for the join form's name box
 * (enabled) and for the conversation list. NOTE: "interactive" is the first task that runs
 * after the view appeared (a MessageChannel message, queued behind whatever the app had
 * already queued): from then on, typing and clicking are handled. Plain JavaScript in a
 * string: a function would reach the page as tsx compiled it, with helpers the page lacks.
 */
const WATCH_VIEWS = `(() => {
  const marks = {}
  globalThis.parleyBenchMarks = marks
  const seen = view => {
    if (marks[view + 'Shown'] !== undefined) return
    marks[view + 'Shown'] = performance.now()
    const channel = new MessageChannel()
    channel.port1.onmessage = () => { marks[view + 'Interactive'] = performance.now() }
    channel.port2.postMessage(null)
  }
  new MutationObserver(() => {
    const name = document.getElementById('display-name')
    if (name && !name.disabled) seen('join')
    if (document.querySelector('nav[aria-label="Conversations"]')) seen('conversations')
  }).observe(document, { childList: true, subtree: true, attributes: true })
})()`

const marked = async (page: Page, mark: keyof Marks): Promise<number> => {
  const handle = await page.waitForFunction(key => (globalThis as unknown as { parleyBenchMarks?: Record<string, number> }).parleyBenchMarks?.[key], mark, { timeout: 15_000 })
  return await handle.jsonValue() as number
}

/**
 * One person's first visit (fresh browser context: no cache, no service worker, no identity,
 * its renderer process already started) until the join form is interactive; then, having joined, a reload until the conversation
 * list is interactive (the service worker and the stored identity in place).
 */
const visit = async (browser: Browser, relay: Relay): Promise<{ first: number; returning: number }> => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
  try {
    await context.addInitScript(WATCH_VIEWS)
    const page = await context.newPage()
    // NOTE: the same origin's /healthz first, so that starting the renderer process is not
    // billed to the app; nothing of the app is cached by it (no-store, no service worker).
    await page.goto(`${relay.url}/healthz`)
    await page.goto(relay.url)
    const first = await marked(page, 'joinInteractive')
    await page.locator('#display-name').fill('Bench')
    await page.getByRole('button', { name: 'Join', exact: true }).click()
    await page.locator('nav[aria-label="Conversations"]').waitFor({ timeout: 15_000 })
    await page.reload()
    const returning = await marked(page, 'conversationsInteractive')
    return { first, returning }
  } finally {
    await context.close()
  }
}

const sizeInfo = (what: string, target: number): CaseInfo => ({
  workload: WORKLOAD, case: what, metric: 'gzipped size', unit: 'kB', better: 'lower', target: { op: '<=', value: target }
})

const ttiInfo = (what: string): CaseInfo => ({
  workload: WORKLOAD, case: what, metric: 'time to interactive', unit: 'ms', better: 'lower'
})

export const bundleWorkload: Workload = {
  id: WORKLOAD,
  title: 'Bundle: gzipped sizes and time to interactive in headless Chromium',
  async run (context: BenchContext) {
    const appSize = sizeInfo('app, initial load (index.html and what it names)', 100)
    const widgetSize = sizeInfo('widget, parley-chat.js', 40)
    const firstVisit = ttiInfo('first visit: navigation → join form interactive')
    const returning = ttiInfo('returning visit: reload → conversation list interactive')
    let app: BuiltApp
    try {
      app = await builtApp()
    } catch (error) {
      context.log(`build: ${(error as Error).stack ?? error}`)
      return [appSize, widgetSize, firstVisit, returning].flatMap(info => notRun(info, ['parley'], `the build failed: ${(error as Error).message}`))
    }
    context.log(`app and widget: ${app.origin} (${app.dir})`)
    const measurements: Measurement[] = []
    try {
      // NOTE: one value each: a build's sizes do not vary between repetitions.
      const { appKb, widgetKb } = await reportedSizes(app.dir)
      measurements.push({ ...appSize, system: 'parley', values: [appKb] }, { ...widgetSize, system: 'parley', values: [widgetKb] })
      if (!fits(context, 6_000)) {
        measurements.push(...[firstVisit, returning].flatMap(info => notRun(info, ['parley'], "past the workload's time budget")))
        return measurements
      }
      const relay = await benchRelay(new CountingStore(), app.dir)
      const browser = await launchChromium()
      const times = { first: [] as number[], returning: [] as number[] }
      try {
        await interleaved(['parley'], context.repetitions, async () => {
          if (!fits(context, 3000) && times.first.length > 0) return
          const { first, returning } = await visit(browser, relay)
          times.first.push(first)
          times.returning.push(returning)
        })
        measurements.push({ ...firstVisit, system: 'parley', values: times.first }, { ...returning, system: 'parley', values: times.returning })
      } catch (error) {
        context.log(`Chromium: ${(error as Error).stack ?? error}`)
        measurements.push(...[firstVisit, returning].flatMap(info => notRun(info, ['parley'], `failed: ${(error as Error).message}`)))
      } finally {
        await browser.close()
        await relay.close()
      }
    } finally {
      await app.dispose()
    }
    return measurements
  }
}
