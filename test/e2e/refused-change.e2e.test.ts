// Bob renames a group offline after losing his admin rights: the relay refuses, his app says so in an alert, and shows (after a reload too) the name everyone sees.
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import WebSocket from 'ws'
import { createIdentity } from '../../shared/identity'
import { LOCAL_ORIGIN } from '../../shared/origin'
import { groupRecord } from '../../shared/schema'
import { ParleyClient } from '../../client/parley'
import { muxNetwork } from '../../client/network/mux-network'
import type { GroupBook } from '../../client/views/group-book'
import { memoryStorage } from '../../client/transport'
import type { Group } from '../../shared/model'
import { axeViolations } from './axe'
import { expectStatus, groupEntry, openGroup, ownUserId, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

/** The README's picture of the alert, written when PARLEY_SCREENSHOTS=1. */
const PICTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/images/change-refused.png')

/** Sets Ada's group record, in her copy of the group's room, below the SDK's API: the app has no way to make someone an admin. */
const writeGroup = (ada: ParleyClient, group: Group): void => {
  const replica = (ada as unknown as { groupBook: GroupBook }).groupBook.replicaOf(group.group_id)
  if (replica === null) throw new Error(`Ada has no room for group ${group.group_id}`)
  replica.doc.transact(() => groupRecord(replica.doc).set(group.group_id, group), LOCAL_ORIGIN)
}

test('a refused rename is undone in Bob\'s app, which tells him in an alert with a name', async () => {
  const relay = await browsers.relay()
  const bob = await browsers.joined(relay, 'Bob')
  const identity = await createIdentity()
  const ada = await ParleyClient.open({ identity, network: muxNetwork({ url: relay.wsUrl, identity, WebSocket }), storage: memoryStorage })
  browsers.defer(() => ada.close())
  ada.setProfile({ name: 'Ada' })
  const bobId = await ownUserId(bob.page)
  const group = await ada.createGroup({ name: 'Book club', user_ids: [bobId] })
  writeGroup(ada, { ...group, admin_ids: [ada.me.user_id, bobId] })
  await openGroup(bob.page, 'Book club')

  await bob.context.setOffline(true)
  await expectStatus(bob.page, ['Offline', 'Connecting'])
  writeGroup(ada, { ...ada.group(group.group_id)!, admin_ids: [ada.me.user_id], updated_at: new Date().toISOString() })
  await bob.page.getByRole('button', { name: 'Group settings', exact: true }).click()
  const settings = bob.page.getByRole('dialog', { name: 'Group settings', exact: true })
  await settings.getByRole('textbox', { name: 'Group name', exact: true }).fill('Bob\'s club')
  await settings.getByRole('button', { name: 'Rename', exact: true }).click()
  await settings.getByText('Renamed.', { exact: true }).waitFor({ state: 'visible' })
  await bob.page.keyboard.press('Escape')
  await groupEntry(bob.page, 'Bob\'s club').waitFor({ state: 'visible' })

  await bob.context.setOffline(false)
  const alert = bob.page.getByRole('alert', { name: 'Change refused', exact: true })
  await expect.poll(() => alert.textContent({ timeout: 1000 }).catch(() => null), { timeout: 15_000, interval: 100 })
    .toContain('Your change to the group \'Book club\' was refused by the relay: you are no longer an admin. This device now shows what everyone else sees.')
  await groupEntry(bob.page, 'Book club').waitFor({ state: 'visible' })
  expect(await groupEntry(bob.page, 'Bob\'s club').count()).toBe(0)
  expect(ada.group(group.group_id)?.name).toBe('Book club')
  expect(await axeViolations(bob.page)).toEqual([])
  if (process.env.PARLEY_SCREENSHOTS === '1') await writeFile(PICTURE, await bob.page.screenshot({ animations: 'disabled', caret: 'hide' }))
  // On a phone the alert fits the screen and still passes axe; Dismiss answers to the keyboard.
  await bob.page.setViewportSize({ width: 390, height: 844 })
  const box = (await alert.boundingBox())!
  expect(box.x >= 0 && box.x + box.width <= 390).toBe(true)
  expect(await axeViolations(bob.page)).toEqual([])
  await alert.getByRole('button', { name: 'Dismiss', exact: true }).focus()
  await bob.page.keyboard.press('Enter')
  await alert.waitFor({ state: 'hidden' })
  await bob.page.setViewportSize({ width: 1000, height: 700 })

  // What Bob's device stores is what everyone sees.
  await bob.page.reload()
  await groupEntry(bob.page, 'Book club').waitFor({ state: 'visible', timeout: 15_000 })
  expect(await groupEntry(bob.page, 'Bob\'s club').count()).toBe(0)
})
