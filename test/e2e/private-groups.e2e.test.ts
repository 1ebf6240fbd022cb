// A group is private: someone not in it never sees it, neither in their sidebar nor after a reload, while all else reaches them.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import {
  appStarted, createGroup, expectMessage, expectStatus, findAndOpen, groupEntry, groupsList, openGroup, openUser, send, useBrowserFixture
} from './harness'

const browsers = useBrowserFixture()
const SECRET = 'Surprise for Carol'

/**
 * Checks for `ms` that nothing on Carol's page names the group: no entry in her Groups list, no
 * text anywhere. NOTE: an absence has no event to wait for; it is checked throughout the window.
 */
const expectNoGroupFor = async (page: Page, ms: number): Promise<void> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    expect(await groupEntry(page, SECRET).count(), 'the group in Carol\'s Groups list').toBe(0)
    expect(await page.getByText(SECRET).count(), 'the group\'s name anywhere on Carol\'s page').toBe(0)
    await page.waitForTimeout(100)
  }
}

test('Ada makes a group with Bob; Carol, who talks with Ada, never sees it, not even after a reload', async () => {
  const relay = await browsers.relay()
  const [ada, bob, carol] = await Promise.all([browsers.joined(relay, 'Ada'), browsers.joined(relay, 'Bob'), browsers.joined(relay, 'Carol')])
  // Ada finds both and says hello: Bob and Carol are people she knows.
  await findAndOpen(ada.page, 'Bob')
  await send(ada.page, 'hello Bob')
  await findAndOpen(ada.page, 'Carol')
  await send(ada.page, 'hello Carol')
  await openUser(carol.page, 'Ada')
  await expectMessage(carol.page, 'Ada', 'hello Carol')

  await createGroup(ada.page, SECRET, ['Bob'])
  await openGroup(ada.page, SECRET)
  await send(ada.page, 'cake on Friday?')
  await openGroup(bob.page, SECRET)
  await expectMessage(bob.page, 'Ada', 'cake on Friday?')

  // Carol's app is live: what Ada writes to her after the group was made reaches her; the group does not.
  await openUser(ada.page, 'Carol')
  await send(ada.page, 'are you free on Friday evening?')
  await expectMessage(carol.page, 'Ada', 'are you free on Friday evening?')
  await expectNoGroupFor(carol.page, 2000)
  expect(await groupsList(carol.page).getByRole('listitem').count(), 'groups in Carol\'s list').toBe(0)

  await carol.page.reload()
  expect(await appStarted(carol.page)).toBe('conversations')
  await expectStatus(carol.page, ['Connected'])
  await openUser(carol.page, 'Ada')
  await send(ada.page, 'I will pick you up at seven')
  await expectMessage(carol.page, 'Ada', 'I will pick you up at seven')
  await expectNoGroupFor(carol.page, 2000)
})
