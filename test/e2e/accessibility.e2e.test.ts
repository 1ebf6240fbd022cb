// Every screen of the app, on a desktop and on a phone: axe-core finds nothing to fix; and the search for people by keyboard.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { axeViolations } from './axe'
import {
  conversationLog, createGroup, displayNameBox, everyoneList, expectMessage, expectStatus, findPeopleBox, foundEntry, groupEntry, join, nameWith,
  openGroup, openUser, peopleFound, send, useBrowserFixture, userEntry, usersList
} from './harness'
import { personOnRelay } from './relay-people'

const browsers = useBrowserFixture()

const SIZES = { desktop: { width: 1000, height: 700 }, phone: { width: 390, height: 844 } } as const

/** axe's findings on the page as it is now, for `screen` (named in the failure). */
const expectClean = async (page: Page, screen: string): Promise<void> => {
  expect(await axeViolations(page), screen).toEqual([])
}

/** Opens a dialog with the button named `button`, checks it, and closes it with Escape. */
const checkDialog = async (page: Page, button: string, dialog: string): Promise<void> => {
  await page.getByRole('button', { name: button, exact: true }).click()
  await page.getByRole('dialog', { name: dialog, exact: true }).waitFor({ state: 'visible' })
  await expectClean(page, `the ${dialog} dialog`)
  await page.keyboard.press('Escape')
  await page.getByRole('dialog', { name: dialog, exact: true }).waitFor({ state: 'hidden' })
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`every screen passes axe on a ${size}: joining, the list, finding someone, a conversation, a group and the dialogs`, async () => {
    const relay = await browsers.relay()
    // Someone already on the relay, whom Alice's list of everyone shows.
    await personOnRelay(browsers, relay, 'Carol')
    const alice = await browsers.person({ viewport })
    await alice.page.goto(relay.url)
    await displayNameBox(alice.page).waitFor({ state: 'visible' })
    await expectClean(alice.page, 'the join form')
    await join(alice.page, 'Alice')
    const bob = await browsers.joined(relay, 'Bob')
    await expectStatus(alice.page, ['Connected'])
    await everyoneList(alice.page).getByRole('button', { name: nameWith('Carol') }).waitFor({ state: 'visible' })
    await expectClean(alice.page, 'the conversation list')
    await checkDialog(alice.page, 'Settings', 'Settings')
    await checkDialog(alice.page, 'New group', 'New group')

    // Finding Bob by keyboard: type in the search box; Escape empties it; Down reaches a result, Enter opens it.
    const box = findPeopleBox(alice.page)
    await box.focus()
    await alice.page.keyboard.type('xyz')
    await alice.page.getByRole('status').filter({ hasText: 'No one found.' }).waitFor({ state: 'visible' })
    await expectClean(alice.page, 'a search that found no one')
    await alice.page.keyboard.press('Escape')
    expect(await box.inputValue()).toBe('')
    await usersList(alice.page).waitFor({ state: 'attached' })
    expect(await box.evaluate(element => element === document.activeElement), 'the focus stays in the search box').toBe(true)
    await alice.page.keyboard.type('bo')
    await foundEntry(alice.page, 'Bob').waitFor({ state: 'visible' })
    expect(await peopleFound(alice.page).getByRole('listitem').count()).toBe(1)
    await expectClean(alice.page, 'the people a search found')
    await alice.page.keyboard.press('ArrowDown')
    expect(await foundEntry(alice.page, 'Bob').evaluate(element => element === document.activeElement), 'Down moves to the first result').toBe(true)
    await alice.page.keyboard.press('Enter')
    await conversationLog(alice.page).waitFor({ state: 'visible' })
    await send(alice.page, 'Hi Bob')
    await openUser(bob.page, 'Alice')
    await expectMessage(bob.page, 'Alice', 'Hi Bob')
    await send(bob.page, 'Hello Alice')
    await expectMessage(alice.page, 'Bob', 'Hello Alice')
    await expectClean(alice.page, 'a direct conversation')

    if (size === 'phone') await alice.page.getByRole('button', { name: 'Back to conversations', exact: true }).click()
    // Bob is now among Alice's people: his entry takes the focus, and Enter opens the conversation.
    await userEntry(alice.page, 'Bob').focus()
    await alice.page.keyboard.press('Enter')
    await conversationLog(alice.page).waitFor({ state: 'visible' })
    await expectMessage(alice.page, 'Bob', 'Hello Alice')
    if (size === 'phone') await alice.page.getByRole('button', { name: 'Back to conversations', exact: true }).click()
    await createGroup(alice.page, 'Book club', ['Bob'])
    // The app may open the group it made (on a phone the list then gives way to it).
    const opened = alice.page.getByRole('heading', { name: 'Book club', exact: true })
    await opened.or(groupEntry(alice.page, 'Book club')).first().waitFor({ state: 'visible' })
    if (!await opened.isVisible()) await openGroup(alice.page, 'Book club')
    await send(alice.page, 'Welcome')
    await expectClean(alice.page, 'a group conversation')
    await checkDialog(alice.page, 'Group settings', 'Group settings')
  })
}
