// Browser-test fixtures: the real relay in-process serving the built web app, one headless
// Chromium per test file, and a separate browser context (own IndexedDB) for each person.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, inject, onTestFailed } from 'vitest'
import { memoryLogger } from '../../relay/log'
import { startRelay, type Relay } from '../../relay/server'
import type { AccessMode } from '../../relay/auth/authenticate'
import type { PeopleMode } from '../../shared/protocol'
import { LeveldbStore } from '../../relay/storage/leveldb-store'
import { MemoryStore } from '../../relay/storage/memory-store'
import { launchChromium } from './chromium'
import { findAndOpen, join } from './parley-app'

export * from './parley-app'

/** A relay started by a test, with what it logged and where it stores (null: in memory). */
export interface TestRelay extends Relay {
  readonly log: string[]
  readonly dataDir: string | null
}

/** One person: a browser context of their own (so their own IndexedDB and service worker) and a page in it. */
export interface Person {
  readonly context: BrowserContext
  readonly page: Page
  /** Uncaught errors and console errors of the person's pages, printed if the test fails. */
  readonly errors: string[]
}

export interface PersonOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
}

/** Everything one test started; `cleanup()` closes it in reverse order. */
export class BrowserFixture {
  #browser: Browser | null = null
  #teardown: Array<() => Promise<void> | void> = []

  get browser (): Browser {
    if (this.#browser === null) throw new Error('the browser is not launched: call useBrowserFixture() at the top of the test file')
    return this.#browser
  }

  async launch (): Promise<void> {
    this.#browser = await launchChromium()
  }

  /** Closes what the last test started, newest first; every step runs even if one fails. */
  async cleanup (): Promise<void> {
    const steps = this.#teardown.splice(0).reverse()
    const failures: unknown[] = []
    for (const step of steps) {
      try {
        await step()
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cleaning up after the test failed')
  }

  async close (): Promise<void> {
    await this.cleanup()
    await this.#browser?.close()
    this.#browser = null
  }

  defer (step: () => Promise<void> | void): void { this.#teardown.push(step) }

  async tempDir (): Promise<string> {
    const directory = await mkdtemp(joinPath(tmpdir(), 'parley-e2e-'))
    this.defer(() => rm(directory, { recursive: true, force: true }))
    return directory
  }

  /**
   * The real relay serving the web app built for this run: storing in memory, or in LevelDB at
   * `dataDir`; on a free port unless `port` is given (a restart reuses its predecessor's); finding
   * everyone unless `people` says otherwise.
   */
  async relay (options: { dataDir?: string; port?: number; access?: AccessMode; protocolVersion?: number; people?: PeopleMode } = {}): Promise<TestRelay> {
    const log = memoryLogger()
    const dataDir = options.dataDir ?? null
    const store = dataDir === null ? new MemoryStore() : await LeveldbStore.open(dataDir)
    const relay = await startRelay({
      store,
      port: options.port ?? 0,
      staticDir: inject('parleyAppDir'),
      idleUnloadMs: 1000,
      access: options.access,
      protocolVersion: options.protocolVersion,
      people: options.people,
      log
    })
    this.defer(() => relay.close())
    onTestFailed(() => {
      console.error(`relay ${relay.url} logged (last 30 lines):\n${log.lines.slice(-30).join('\n')}`)
    })
    return Object.assign(relay, { log: log.lines, dataDir })
  }

  /** Stops `relay` (it writes every room out) and starts a new one on the same port with the same data directory. */
  async restartRelay (relay: TestRelay): Promise<TestRelay> {
    if (relay.dataDir === null) throw new Error('a relay that stores in memory loses everything on a restart: give it a dataDir')
    await relay.close()
    return this.relay({ dataDir: relay.dataDir, port: relay.port })
  }

  /** A new person: a fresh browser context (empty storage) with one page, not yet on any URL. */
  async person (options: PersonOptions = {}): Promise<Person> {
    const context = await this.browser.newContext({
      viewport: options.viewport ?? { width: 1000, height: 700 },
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: 'reduce'
    })
    this.defer(() => context.close())
    // NOTE: every action and wait fails after this long with Playwright's own description of
    // what it was waiting for, well before the test's timeout hides it.
    context.setDefaultTimeout(10_000)
    const errors: string[] = []
    const watch = (page: Page): void => {
      page.on('pageerror', error => errors.push(`page error: ${error.message}`))
      page.on('console', message => { if (message.type() === 'error') errors.push(`console error: ${message.text()}`) })
    }
    context.on('page', watch)
    const page = await context.newPage()
    onTestFailed(() => {
      if (errors.length > 0) console.error(`errors in a person's pages:\n${errors.join('\n')}`)
    })
    return { context, page, errors }
  }

  /** A new person who has opened the app served by `relay` and joined as `name`. */
  async joined (relay: TestRelay, name: string, options: PersonOptions = {}): Promise<Person> {
    const person = await this.person(options)
    await person.page.goto(relay.url)
    await join(person.page, name)
    return person
  }

  /**
   * Alice and Bob, joined, each with their direct conversation with the other open: each found the
   * other with the search (strangers until then), so each follows the other's presence.
   */
  async aliceAndBobChatting (relay: TestRelay): Promise<[Person, Person]> {
    const [alice, bob] = await Promise.all([this.joined(relay, 'Alice'), this.joined(relay, 'Bob')])
    await findAndOpen(alice.page, 'Bob')
    await findAndOpen(bob.page, 'Alice')
    return [alice, bob]
  }
}

/**
 * Registers the hooks of a browser test file: one Chromium for the file, and everything a test
 * started (contexts, relays, directories) closed after it, even when it failed.
 */
export const useBrowserFixture = (): BrowserFixture => {
  const fixture = new BrowserFixture()
  beforeAll(() => fixture.launch())
  afterEach(() => fixture.cleanup())
  afterAll(() => fixture.close())
  return fixture
}
