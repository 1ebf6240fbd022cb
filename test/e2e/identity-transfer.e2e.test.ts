// Moving an identity: Alice exports hers in Settings with a passphrase, a second browser imports
// it on its first visit, and that browser is Alice: same user id, her conversations, and what it
// sends shows as hers to Bob.
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import {
  SYNC_TIMEOUT_MS,
  appStarted,
  conversations,
  createGroup,
  expectConversation,
  expectMessage,
  openGroup,
  openUser,
  send,
  useBrowserFixture,
  userEntry
} from './harness'
import { appUserId } from './widget-page'

const browsers = useBrowserFixture()

const PASSPHRASE = 'a long walk by the river'

/** Opens Settings and returns the dialog. */
const openSettings = async (page: Page) => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  await dialog.waitFor({ state: 'visible' })
  return dialog
}

/** The user id Settings shows (the only text in the dialog that is exactly an id). */
const shownUserId = async (page: Page): Promise<string> =>
  (await page.getByRole('dialog', { name: 'Settings' }).getByText(/^[A-Za-z0-9_-]{22}$/).innerText()).trim()

test('Alice exports her identity, imports it in a second browser, and is Alice there', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await browsers.aliceAndBobChatting(relay)
  await send(alice.page, 'see you at the station')
  await send(bob.page, 'platform 4, at nine')
  await createGroup(alice.page, 'Walking club', ['Bob'])
  await send(alice.page, 'first walk on Sunday')
  await openUser(bob.page, 'Alice')
  await expectMessage(bob.page, 'Alice', 'see you at the station')
  const aliceId = await appUserId(alice.page)

  // Alice exports: the warning is there, the file downloads, and its text is shown to copy.
  const settings = await openSettings(alice.page)
  expect(await shownUserId(alice.page)).toBe(aliceId)
  await settings.getByText('If you lose every device without an export, it is gone for good').waitFor({ state: 'visible' })
  await settings.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
  await settings.getByLabel('Confirm passphrase', { exact: true }).fill(PASSPHRASE)
  const downloading = alice.page.waitForEvent('download')
  await settings.getByRole('button', { name: 'Export identity', exact: true }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('parley-identity-alice.json')
  const exported = await settings.getByRole('textbox', { name: 'Exported identity', exact: true }).inputValue()
  expect(JSON.parse(exported)).toMatchObject({ parley_identity: 1, user_id: aliceId, name: 'Alice' })
  expect(await readFile(await download.path(), 'utf8')).toBe(exported)
  await settings.getByRole('button', { name: 'Close', exact: true }).click()

  // A second browser, on its first visit, takes the "I already have an identity" path.
  const laptop = await browsers.person()
  await laptop.page.goto(relay.url)
  expect(await appStarted(laptop.page)).toBe('join form')
  await laptop.page.getByRole('button', { name: 'I already have an identity', exact: true }).click()
  await laptop.page.getByRole('textbox', { name: 'Exported identity', exact: true }).fill(exported)
  const passphrase = laptop.page.getByLabel('Passphrase', { exact: true })
  const importButton = laptop.page.getByRole('button', { name: 'Import identity', exact: true })
  await passphrase.fill('a long walk by the sea')
  await importButton.click()
  await laptop.page.getByRole('alert').filter({ hasText: 'passphrase is wrong' }).waitFor({ state: 'visible' })

  await passphrase.fill(PASSPHRASE)
  await importButton.click()
  const proceed = laptop.page.getByRole('button', { name: 'Continue as Alice', exact: true })
  await proceed.waitFor({ state: 'visible' })
  await laptop.page.getByText(aliceId, { exact: true }).waitFor({ state: 'visible' })
  await proceed.click()

  // The page reloads as Alice: her profile comes from the relay, no name is asked.
  await conversations(laptop.page).waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  expect(await appUserId(laptop.page)).toBe(aliceId)
  await openSettings(laptop.page)
  expect(await shownUserId(laptop.page)).toBe(aliceId)
  // The imported identity can be exported again from here.
  await laptop.page.getByRole('button', { name: 'Export identity', exact: true }).waitFor({ state: 'visible' })
  await laptop.page.getByRole('button', { name: 'Close', exact: true }).click()

  // Her conversations and their history sync to the laptop.
  await openGroup(laptop.page, 'Walking club')
  await expectConversation(laptop.page, [{ from: 'Alice', text: 'first walk on Sunday' }])
  await openUser(laptop.page, 'Bob')
  await expectConversation(laptop.page, [
    { from: 'Alice', text: 'see you at the station' },
    { from: 'Bob', text: 'platform 4, at nine' }
  ])

  // What the laptop sends is Alice's, for Bob and on her first device alike; Bob still knows one Alice.
  await send(laptop.page, 'sent from my laptop')
  await expectMessage(bob.page, 'Alice', 'sent from my laptop')
  await openUser(alice.page, 'Bob')
  await expectMessage(alice.page, 'Alice', 'sent from my laptop')
  expect(await userEntry(bob.page, 'Alice').count()).toBe(1)
})
