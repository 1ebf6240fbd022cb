// A group's admin renames it and removes a member from its settings dialog; the others see it.
import { expect, test } from 'vitest'
import { createGroup, findAndOpen, groupEntry, groupsList, openGroup, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('Alice renames her group (Bob sees the new name) and removes Carol (it leaves her Groups list)', async () => {
  const relay = await browsers.relay()
  const [alice, bob, carol] = await Promise.all([
    browsers.joined(relay, 'Alice'),
    browsers.joined(relay, 'Bob'),
    browsers.joined(relay, 'Carol')
  ])
  // The dialog offers the people Alice knows: she finds both first.
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(alice.page, 'Carol')
  await createGroup(alice.page, 'Book club', ['Bob', 'Carol'])
  for (const page of [bob.page, carol.page]) await groupEntry(page, 'Book club').waitFor({ state: 'visible', timeout: 10_000 })

  await openGroup(alice.page, 'Book club')
  await alice.page.getByRole('button', { name: 'Group settings', exact: true }).click()
  const settings = alice.page.getByRole('dialog', { name: 'Group settings', exact: true })
  await settings.waitFor({ state: 'visible' })
  await settings.getByRole('heading', { name: 'Members (3)', exact: true }).waitFor({ state: 'visible' })

  // Rename: the name field starts with the current name.
  const nameBox = settings.getByRole('textbox', { name: 'Group name', exact: true })
  expect(await nameBox.inputValue()).toBe('Book club')
  await nameBox.fill('Reading circle')
  await settings.getByRole('button', { name: 'Rename', exact: true }).click()
  await settings.getByText('Renamed.', { exact: true }).waitFor({ state: 'visible' })
  const names = async (page: typeof bob.page): Promise<string[]> => {
    const found: string[] = []
    for (const name of ['Book club', 'Reading circle']) if (await groupEntry(page, name).count() > 0) found.push(name)
    return found
  }
  for (const page of [alice.page, bob.page, carol.page]) {
    await expect.poll(() => names(page), { timeout: 10_000, interval: 100, message: 'the group listed under its new name only' }).toEqual(['Reading circle'])
  }

  // Remove Carol: she no longer has the group; Bob still has it, with two members.
  await settings.getByRole('button', { name: 'Remove Carol', exact: true }).click()
  await settings.getByText('Removed Carol.', { exact: true }).waitFor({ state: 'visible' })
  await settings.getByRole('heading', { name: 'Members (2)', exact: true }).waitFor({ state: 'visible' })
  expect(await settings.getByRole('button', { name: 'Remove Carol', exact: true }).count()).toBe(0)
  await expect.poll(() => names(carol.page), { timeout: 10_000, interval: 100, message: "the group gone from Carol's Groups list" }).toEqual([])
  expect(await groupsList(carol.page).getByRole('listitem').count(), "entries in Carol's Groups list").toBe(0)
  await groupEntry(bob.page, 'Reading circle').and(bob.page.getByRole('button', { name: /\b2 members\b/ })).waitFor({ state: 'visible', timeout: 10_000 })
})
