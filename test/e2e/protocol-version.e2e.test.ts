// A relay of another protocol version: the app and the widget say so in words, once, and do not try again on their own.
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import { axeViolations } from './axe'
import { expectStatus, join, useBrowserFixture, type TestRelay } from './harness'
import { openWidget } from './widget-page'

const browsers = useBrowserFixture()

const NEWER_RELAY = 'This relay runs a newer Parley: reload the page.'

/** How long a refused page is watched for reconnection attempts (the backoff would have retried several times). */
const WATCH_MS = 3000

/** The README's picture of the refusal, written when PARLEY_SCREENSHOTS=1. */
const PICTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/images/relay-newer.png')

/** The relay's refusals of this page's version so far (one log line each). */
const versionRefusals = (relay: TestRelay): number => relay.log.filter(line => line.includes('relay-newer')).length

test('the app tells its person that the relay runs a newer Parley, and stops reconnecting', async () => {
  const relay = await browsers.relay({ protocolVersion: PROTOCOL_VERSION + 1 })
  const alice = await browsers.person()
  await alice.page.goto(relay.url)
  await join(alice.page, 'Alice')
  await expectStatus(alice.page, ['Refused by the relay'])
  const alert = alice.page.getByRole('alert').filter({ hasText: NEWER_RELAY })
  await expect.poll(() => alert.count()).toBe(1)
  expect(await alice.page.getByRole('heading', { name: 'Not connected' }).count()).toBe(1)
  // No invitation helps here: the invitation field is not offered.
  expect(await alice.page.getByRole('textbox', { name: 'Invitation' }).count()).toBe(0)

  await alice.page.waitForTimeout(WATCH_MS)
  expect(versionRefusals(relay)).toBe(1)
  await expectStatus(alice.page, ['Refused by the relay'])
  expect(await axeViolations(alice.page)).toEqual([])
  if (process.env.PARLEY_SCREENSHOTS === '1') await writeFile(PICTURE, await alice.page.screenshot({ animations: 'disabled', caret: 'hide' }))
})

test('on a phone the refusal fits the screen and passes axe', async () => {
  const relay = await browsers.relay({ protocolVersion: PROTOCOL_VERSION + 1 })
  const phone = { width: 390, height: 844 }
  const dan = await browsers.person({ viewport: phone })
  await dan.page.goto(relay.url)
  await join(dan.page, 'Dan')
  const alert = dan.page.getByRole('alert').filter({ hasText: NEWER_RELAY })
  await expect.poll(() => alert.count()).toBe(1)
  const box = (await alert.boundingBox())!
  expect(box.x >= 0 && box.x + box.width <= phone.width).toBe(true)
  expect(await axeViolations(dan.page)).toEqual([])
})

test('the widget says the same, and stops reconnecting', async () => {
  const relay = await browsers.relay({ protocolVersion: PROTOCOL_VERSION + 1 })
  const carol = await browsers.person()
  const widget = await openWidget(carol, relay, { conversation: 'group:AAAAAAAAAAAAAAAAAAAAAA', name: 'Carol' })
  await expectStatus(widget, ['Refused by the relay'])
  const alert = widget.getByRole('alert').filter({ hasText: NEWER_RELAY })
  await expect.poll(() => alert.count()).toBe(1)

  await widget.waitForTimeout(WATCH_MS)
  expect(versionRefusals(relay)).toBe(1)
  // The host page is a bare test page: the widget is what is judged.
  expect(await axeViolations(widget, 'parley-chat')).toEqual([])
})
