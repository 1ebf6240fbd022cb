// When the widget may say a person or a group is missing: only once the relay has answered for
// it, never while offline; over a real relay, as the widget connects (one multiplexed socket).
import { afterEach, describe, expect, it } from 'vitest'
import type { ParleyClient } from '../../client'
import { createIdentity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { Fixture, waitFor } from '../../test/helpers'
import type { ConversationChoice } from '../core/conversation-choice'
import { GROUP_NOT_VISIBLE, targetProblem } from './conversation-target'
import { GROUP_WAIT_MS, TargetAnswer } from './target-answer'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** The widget's view of `target` for `client`: every problem it showed, in order, and the one now. */
const watch = (client: ParleyClient, target: ConversationChoice, groupWaitMs = GROUP_WAIT_MS) => {
  const shown: Array<string | null> = []
  const show = (): void => {
    const problem = targetProblem(client, target, answer.answered)
    if (shown.at(-1) !== problem) shown.push(problem)
  }
  const answer = new TargetAnswer(client, show, groupWaitMs)
  const unsubscribe = client.subscribe(change => {
    if (change === 'status' && client.status === 'connected') answer.connected(target)
    show()
  })
  answer.choose(target)
  show()
  fixture.defer(() => {
    unsubscribe()
    answer.close()
  })
  return { shown, problem: () => targetProblem(client, target, answer.answered), answered: () => answer.answered }
}

/** Longer than a fixture client waits for a room's first sync: whatever gives up on the relay has. */
const LONGER_THAN_A_SYNC_WAIT = 3500

const goOffline = async (client: ParleyClient): Promise<void> => {
  client.setOnline(false)
  await waitFor('the client to be offline', () => client.status !== 'connected')
}

describe('the widget\'s target', () => {
  it('finds a person never contacted by their id, and says an id is nobody\'s only once the relay answered', { timeout: 30_000 }, async () => {
    const relay = await fixture.relay()
    const bob = await fixture.client(relay, 'Bob')
    const carol = await fixture.client(relay, 'Carol')
    const nobody = (await createIdentity()).user_id

    await goOffline(carol)
    const missing = watch(carol, { kind: 'direct', user_id: nobody })
    const bobTarget = watch(carol, { kind: 'direct', user_id: bob.me.user_id })
    await new Promise(resolve => setTimeout(resolve, LONGER_THAN_A_SYNC_WAIT))
    // Offline, an unknown id is not "nobody": the conversation opens, to be delivered later.
    expect(missing.answered()).toBe(false)
    expect(missing.shown).toEqual([null])
    expect(bobTarget.shown).toEqual([null])

    carol.setOnline(true)
    await waitFor('the relay to answer for the unknown id', () => missing.answered())
    expect(missing.problem()).toBe('There is no Parley user with this id.')
    await waitFor('the relay to answer for Bob', () => bobTarget.answered())
    expect(bobTarget.shown).toEqual([null])
    expect(carol.user(bob.me.user_id)?.name).toBe('Bob')
  })

  it('shows one\'s group on a new device once it arrives, and says another is not visible only once the relay answered', { timeout: 30_000 }, async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const carol = await fixture.client(relay, 'Carol')
    const group = await ada.createGroup({ name: 'Team', user_ids: [bob.me.user_id] })
    await waitFor('Bob to see the group', () => bob.group(group.group_id) !== null)
    const target: ConversationChoice = { kind: 'group', group_id: group.group_id }

    // Bob on a device that has nothing yet, watched as soon as it opens.
    const bobAgain = await fixture.client(relay, 'Bob', { identity: bob.me })
    const newDevice = watch(bobAgain, target)
    await waitFor('the group on Bob\'s new device', () => newDevice.problem() === null)
    expect(newDevice.shown).not.toContain(GROUP_NOT_VISIBLE)

    // Carol is not a member: offline she is told to wait, however long; online, the relay's answer.
    await goOffline(carol)
    const notMine = watch(carol, target, 500)
    const noGroup = watch(carol, { kind: 'group', group_id: randomId() }, 500)
    await new Promise(resolve => setTimeout(resolve, LONGER_THAN_A_SYNC_WAIT))
    expect(notMine.shown).toEqual(['Waiting for this group to arrive from the relay…'])
    expect(noGroup.shown).toEqual(['Waiting for this group to arrive from the relay…'])

    carol.setOnline(true)
    await waitFor('the relay to answer for Ada\'s group', () => notMine.answered())
    await waitFor('the relay to answer for a group nobody made', () => noGroup.answered())
    expect(notMine.problem()).toBe(GROUP_NOT_VISIBLE)
    expect(noGroup.problem()).toBe(GROUP_NOT_VISIBLE)

    // Added to the group, Carol sees it without choosing again.
    ada.addMembers(group.group_id, [carol.me.user_id])
    await waitFor('the group to show for Carol', () => notMine.problem() === null)
  })
})
