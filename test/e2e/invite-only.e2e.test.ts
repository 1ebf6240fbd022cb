// An invite-only relay: a newcomer is told why they are not connected, enters an invitation once (or follows an invitation link), and is in.
import { expect, test } from 'vitest'
import { MemoryStore } from '../../relay/storage/memory-store'
import { Admissions } from '../../relay/auth/admissions'
import { createInvite, createInviteSecret } from '../../relay/auth/invites'
import { expectPresence, expectStatus, findAndOpen, join, useBrowserFixture } from './harness'

const browsers = useBrowserFixture()

test('Alice enters an invitation after being refused; Bob follows an invitation link; both are in, also after a reload', async () => {
  const secret = createInviteSecret()
  const relay = await browsers.relay({ access: { mode: 'invite-only', secret, admissions: await Admissions.open(new MemoryStore()) } })
  const invite = createInvite(secret, Date.now() + 60 * 60 * 1000)

  const alice = await browsers.person()
  await alice.page.goto(relay.url)
  await join(alice.page, 'Alice')
  await expectStatus(alice.page, ['Refused by the relay'])
  const refusal = alice.page.getByRole('alert').filter({ hasText: 'invite-only' })
  await expect.poll(() => refusal.count()).toBe(1)
  await alice.page.getByRole('textbox', { name: 'Invitation' }).fill('not-an-invitation')
  await alice.page.getByRole('button', { name: 'Join', exact: true }).click()
  await expect.poll(() => alice.page.getByRole('alert').filter({ hasText: 'not valid for this relay' }).count()).toBe(1)
  await alice.page.getByRole('textbox', { name: 'Invitation' }).fill(invite)
  await alice.page.getByRole('button', { name: 'Join', exact: true }).click()
  await expectStatus(alice.page, ['Connected'])
  expect(await alice.page.getByRole('alert').count()).toBe(0)

  const bob = await browsers.person()
  await bob.page.goto(`${relay.url}/?invite=${encodeURIComponent(invite)}`)
  await join(bob.page, 'Bob')
  await expectStatus(bob.page, ['Connected'])
  // Each finds the other, and so follows the other's presence.
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(bob.page, 'Alice')
  await expectPresence(alice.page, 'Bob', 'online')

  // Admitted for good: a reload needs no invitation.
  await alice.page.reload()
  await expectStatus(alice.page, ['Connected'])
  await expectPresence(bob.page, 'Alice', 'online')
})
