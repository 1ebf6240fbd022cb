// A link whose ?relay= names another relay: the app asks first, naming both, and connects nowhere
// until answered; Stay keeps the current relay (and drops the link), Switch moves to the other.
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { axeViolations } from './axe'
import { appStarted, expectStatus, join, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

/** Every WebSocket the page opens, by URL. */
const socketsOf = (page: Page): string[] => {
  const urls: string[] = []
  page.on('websocket', socket => urls.push(socket.url()))
  return urls
}

/** The README's picture of the question, written when PARLEY_SCREENSHOTS=1. */
const PICTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/images/relay-link.png')

/** The header's line naming the relay the app is on. */
const relayShown = (page: Page) => page.getByText(/^Relay: /)

test('a link to another relay asks first; Stay keeps the current relay, Switch moves to the other', async () => {
  const [current, other] = await Promise.all([browsers.relay(), browsers.relay()])
  const link = `${current.url}/?relay=${encodeURIComponent(other.wsUrl)}`

  const alice = await browsers.person()
  const aliceSockets = socketsOf(alice.page)
  await alice.page.goto(link)
  const question = alice.page.getByRole('dialog', { name: 'Switch relay?' })
  await question.waitFor()
  // The question names both relays, and is the dialog's description (read out as it opens).
  const described = await question.getAttribute('aria-describedby')
  expect(await alice.page.locator(`[id="${described}"]`).innerText())
    .toBe(`This link points Parley to relay ${other.wsUrl}. You are on ${current.wsUrl}. Switch?`)
  expect(await axeViolations(alice.page)).toEqual([])
  if (process.env.PARLEY_SCREENSHOTS === '1') await writeFile(PICTURE, await alice.page.screenshot({ animations: 'disabled', caret: 'hide' }))
  // NOTE: a deliberate wait: an absence has no event to wait for. Nothing connects while the
  // question is open, to either relay.
  await alice.page.waitForTimeout(500)
  expect(aliceSockets).toEqual([])
  expect(other.connectionCount()).toBe(0)

  await question.getByRole('button', { name: 'Stay', exact: true }).click()
  await question.waitFor({ state: 'hidden' })
  await join(alice.page, 'Alice')
  await expectStatus(alice.page, ['Connected'])
  expect(await relayShown(alice.page).innerText()).toBe(`Relay: ${new URL(current.url).host}`)
  expect(new URL(alice.page.url()).searchParams.has('relay')).toBe(false)
  expect(aliceSockets.length).toBeGreaterThan(0)
  expect(aliceSockets.filter(url => !url.startsWith(`${current.wsUrl}/`))).toEqual([])
  // The link is gone from the address, so a reload asks nothing.
  await alice.page.reload()
  await expectStatus(alice.page, ['Connected'])
  expect(await alice.page.getByRole('dialog').count()).toBe(0)

  const bob = await browsers.person()
  const bobSockets = socketsOf(bob.page)
  await bob.page.goto(link)
  await bob.page.getByRole('dialog', { name: 'Switch relay?' }).getByRole('button', { name: 'Switch', exact: true }).click()
  expect(await appStarted(bob.page)).toBe('join form')
  await join(bob.page, 'Bob')
  await expectStatus(bob.page, ['Connected'])
  expect(await relayShown(bob.page).innerText()).toBe(`Relay: ${new URL(other.url).host}`)
  expect(new URL(bob.page.url()).searchParams.has('relay')).toBe(false)
  expect(bobSockets.filter(url => !url.startsWith(`${other.wsUrl}/`))).toEqual([])
  expect(other.connectionCount()).toBeGreaterThan(0)
  expect(other.log.filter(line => line.includes('connection-refused'))).toEqual([])
})

test('a link whose relay is no address says so, and Stay (or Escape) keeps the current relay', async () => {
  const relay = await browsers.relay()
  const carol = await browsers.person()
  await carol.page.goto(`${relay.url}/?relay=${encodeURIComponent('javascript:alert(1)')}`)
  const notice = carol.page.getByRole('dialog', { name: 'Not a relay address' })
  await notice.waitFor()
  expect(await axeViolations(carol.page)).toEqual([])
  await carol.page.keyboard.press('Escape')
  await notice.waitFor({ state: 'hidden' })
  await join(carol.page, 'Carol')
  await expectStatus(carol.page, ['Connected'])
  expect(new URL(carol.page.url()).searchParams.has('relay')).toBe(false)
})

test('on a phone the question fits the screen, answers to the keyboard alone, and the header still names the relay', async () => {
  const [current, other] = await Promise.all([browsers.relay(), browsers.relay()])
  const phone = { width: 390, height: 844 }
  const dan = await browsers.person({ viewport: phone })
  await dan.page.goto(`${current.url}/?relay=${encodeURIComponent(other.wsUrl)}`)
  const question = dan.page.getByRole('dialog', { name: 'Switch relay?' })
  await question.waitFor()
  const box = (await question.boundingBox())!
  expect(box.x >= 0 && box.x + box.width <= phone.width).toBe(true)
  expect(await axeViolations(dan.page)).toEqual([])
  // Keyboard only: Stay has the focus, Tab reaches Switch, Shift+Tab comes back, Enter answers.
  const focused = () => dan.page.evaluate(() => document.activeElement?.textContent?.trim())
  expect(await focused()).toBe('Stay')
  await dan.page.keyboard.press('Tab')
  expect(await focused()).toBe('Switch')
  await dan.page.keyboard.press('Shift+Tab')
  expect(await focused()).toBe('Stay')
  await dan.page.keyboard.press('Enter')
  await question.waitFor({ state: 'hidden' })
  await join(dan.page, 'Dan')
  await expectStatus(dan.page, ['Connected'])
  const line = (await relayShown(dan.page).boundingBox())!
  expect(line.x >= 0 && line.x + line.width <= phone.width).toBe(true)
  expect(await relayShown(dan.page).innerText()).toBe(`Relay: ${new URL(current.url).host}`)
  expect(other.connectionCount()).toBe(0)
})
