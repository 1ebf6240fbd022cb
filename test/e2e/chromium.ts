// Which Chromium the browser tests drive, and how: the one rule shared with scripts/ensure-chromium.mjs.
import { chromium, type Browser } from 'playwright-core'

/** PARLEY_CHROMIUM when set, else Debian's chromium package. */
export const chromiumPath = (): string => process.env.PARLEY_CHROMIUM || '/usr/bin/chromium'

/** A headless Chromium with nothing running in the background that could slow or disturb a test. */
export const launchChromium = (): Promise<Browser> => chromium.launch({
  executablePath: chromiumPath(),
  headless: true,
  timeout: 30_000,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--disable-quic'
  ]
})
