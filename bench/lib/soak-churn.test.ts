// The soak's churn against a real Parley relay: each slot keeps one Yjs client per room, and the relay's refusals are counted.
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity } from '../../shared/identity'
import { MAX_NEW_CLIENTS_PER_USER } from '../../relay/writes/judge-update'
import { Fixture } from '../../test/helpers'
import { planGroups, prepareGroupWrites, publishGroups } from './presence-groups'
import { runChurn, type ChurnOptions } from './soak-churn'
import { groupBucketRoom } from './thin-parley-setup'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

/** A relay with one group of two, and every slot's every session going to its room as the same member. */
const oneRoom = async () => {
  const relay = await fixture.relay()
  const [creator, member] = [await createIdentity(), await createIdentity()]
  const [group] = planGroups(1, 2, [creator], [member])
  const server = { system: 'parley' as const, wsUrl: relay.wsUrl }
  await publishGroups(server, prepareGroupWrites([group!]))
  const target: ChurnOptions['target'] = () => ({ room: groupBucketRoom(group!.group_id), group_id: group!.group_id, identity: member })
  return { server, target }
}

describe('runChurn', () => {
  it('writes each slot\'s sessions in a room from one Yjs client, so reconnecting never runs into the relay\'s allowance of new ones', async () => {
    const { server, target } = await oneRoom()
    // Half the allowance in slots, each coming back several times: a new client per session would pass it.
    const slots = MAX_NEW_CLIENTS_PER_USER / 2
    const stats = await runChurn(server, { slots, durationMs: 3000, lifetimeMs: [250, 400], gapMs: 20, target })
    expect(stats.failed).toBe(0)
    expect(stats.messages).toBeGreaterThan(MAX_NEW_CLIENTS_PER_USER * 1.5)
    expect(stats.refused).toBe(0)
  }, 20_000)

  it('counts the messages the relay refused', async () => {
    const { server, target } = await oneRoom()
    const stats = await runChurn(server, { slots: MAX_NEW_CLIENTS_PER_USER + 4, durationMs: 1500, lifetimeMs: [400, 600], gapMs: 20, target })
    expect(stats.refused).toBeGreaterThanOrEqual(4)
    expect(stats.refused).toBeLessThan(stats.messages)
  }, 20_000)
})
