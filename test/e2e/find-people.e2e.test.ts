// Finding someone one has never talked to with the sidebar's search, and the conversation that starts from it.
// With PARLEY_SCREENSHOTS=1 the search's picture is written to docs/images/find-people.png (the README shows it).
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import {
  conversationLog, everyoneList, expectMessage, expectStatus, findAndOpen, findPeopleBox, foundEntry, openUser, ownUserId, peopleFound, presenceOf, send,
  useBrowserFixture, usersList
} from './harness'
import { personOnRelay } from './relay-people'

const browsers = useBrowserFixture()
const PICTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/images/find-people.png')

test('Ada finds Zoé, whom she has never talked to, by the start of her surname typed without its accent, and her message reaches Zoé', async () => {
  const relay = await browsers.relay()
  const [ada, zoe] = await Promise.all([browsers.joined(relay, 'Ada Lovelace'), browsers.joined(relay, 'Zoé Lefèvre')])
  // Someone whose name starts alike, whom the search must leave out.
  await personOnRelay(browsers, relay, 'Léa Lemaire')
  await expectStatus(ada.page, ['Connected'])
  expect(await presenceOf(ada.page, 'Zoé Lefèvre'), 'Zoé among the people Ada knows').toBe('not listed')

  await findPeopleBox(ada.page).fill('lefe')
  await foundEntry(ada.page, 'Zoé Lefèvre').waitFor({ state: 'visible' })
  expect(await peopleFound(ada.page).getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining('Zoé Lefèvre')])
  await foundEntry(ada.page, 'Zoé Lefèvre').click()
  await conversationLog(ada.page).waitFor({ state: 'visible' })
  await expect.poll(() => ada.page.getByRole('heading', { level: 2, name: 'Zoé Lefèvre', exact: true }).count()).toBe(1)
  // The search is emptied, and Zoé is now among the people Ada knows.
  expect(await findPeopleBox(ada.page).inputValue()).toBe('')
  await expect.poll(() => presenceOf(ada.page, 'Zoé Lefèvre'), { timeout: 10_000 }).not.toBe('not listed')

  await send(ada.page, 'Bonjour Zoé, we met at the conference')
  // Zoé never looked Ada up: the conversation brings her into Zoé's list, with the message.
  await openUser(zoe.page, 'Ada Lovelace')
  await expectMessage(zoe.page, 'Ada Lovelace', 'Bonjour Zoé, we met at the conference')
  await send(zoe.page, 'Of course, hello Ada!')
  await expectMessage(ada.page, 'Zoé Lefèvre', 'Of course, hello Ada!')
})

test('a relay that lists no one still finds people by name; one that searches no one finds them by their id', async () => {
  const listing = await browsers.relay({ people: 'search' })
  await personOnRelay(browsers, listing, 'Carol Jones')
  const ada = await browsers.joined(listing, 'Ada')
  await expectStatus(ada.page, ['Connected'])
  await findAndOpen(ada.page, 'Carol Jones', 'jo')
  expect(await everyoneList(ada.page).count(), 'a list of everyone').toBe(0)

  const closed = await browsers.relay({ people: 'off' })
  const [bob, dan] = await Promise.all([browsers.joined(closed, 'Bob'), browsers.joined(closed, 'Dan')])
  await expectStatus(bob.page, ['Connected'])
  await bob.page.getByText('People are found by their id here').waitFor({ state: 'visible' })
  await findPeopleBox(bob.page).fill('dan')
  await bob.page.getByRole('status').filter({ hasText: 'This relay finds people by their id only.' }).waitFor({ state: 'visible' })
  // Dan reads his id in Settings and gives it to Bob.
  await findAndOpen(bob.page, 'Dan', await ownUserId(dan.page))
  await send(bob.page, 'Dan, it is Bob: found you by your id')
  await openUser(dan.page, 'Bob')
  await expectMessage(dan.page, 'Bob', 'Dan, it is Bob: found you by your id')
})

test('a picture of the search: what Ada sees while looking for someone', async () => {
  const size = { width: 1000, height: 700 }
  const relay = await browsers.relay()
  const [ada, grace] = await Promise.all([browsers.joined(relay, 'Ada Lovelace', { viewport: size }), browsers.joined(relay, 'Grace Hopper')])
  for (const name of ['Léon Lefèvre', 'Leila Haddad', 'Elena Lebedeva', 'Alan Turing']) await personOnRelay(browsers, relay, name)
  // Ada is talking with Grace, whom she found the same way.
  await findPeopleBox(ada.page).fill('grace')
  await foundEntry(ada.page, 'Grace Hopper').click()
  await send(ada.page, 'Lunch on Friday?')
  await openUser(grace.page, 'Ada Lovelace')
  await send(grace.page, 'Yes! The usual place?')
  await expectMessage(ada.page, 'Grace Hopper', 'Yes! The usual place?')

  await findPeopleBox(ada.page).fill('le')
  await expect.poll(() => peopleFound(ada.page).getByRole('listitem').count()).toBe(3)
  await expect.poll(() => ada.page.getByRole('status').filter({ hasText: 'found' }).innerText()).toBe('3 people found.')
  expect(await usersList(ada.page).count(), 'the search takes the lists\' place').toBe(0)
  // The pointer away from the list, so that no entry shows as hovered.
  await ada.page.mouse.move(size.width - 300, 300)
  const png = await ada.page.screenshot({ animations: 'disabled', caret: 'hide' })
  expect(png.length).toBeGreaterThan(0)
  if (process.env.PARLEY_SCREENSHOTS === '1') await writeFile(PICTURE, png)
})
