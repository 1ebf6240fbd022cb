// The judge benchmark's rooms: every update is one both judges accept, from a Yjs client id already bound to its writer.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate } from '../../relay/writes/judge-update'
import { judgeUpdate as judgeByEncoding } from '../baselines/encoding-judge'
import { JUDGE_DEFAULTS, groupBucket, profile, type JudgedRoom } from './judge-rooms'
import { cpuClockOverhead, timeRound } from './judge-timing'

/** Every update's verdict from both judges, each applied to the room before the next. */
const verdicts = (judged: JudgedRoom) => {
  const doc = new Y.Doc({ gc: true })
  Y.applyUpdate(doc, judged.seed)
  const { room, writer, owners } = judged
  const context = { doc, room, writer, refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: 4000 }
  const found = judged.updates.map(update => {
    const before = judgeByEncoding(update, context)
    // Today's judge applies what it accepts.
    const now = judgeUpdate(update, { ...context, ...JUDGE_DEFAULTS, origin: null, ownerOf: client => owners.get(client) }).verdict
    return { before, now }
  })
  return { found, doc }
}

describe('judge benchmark rooms', () => {
  it('a group bucket: each update is one new message of the writer, accepted by both judges under its bound client id', () => {
    const judged = groupBucket(30, 5)
    const { found, doc } = verdicts(judged)
    for (const { before, now } of found) {
      expect(before).toEqual({ apply: { newClients: 0 } })
      expect(now).toMatchObject({ apply: { newClients: 0, clients: [] } })
    }
    expect(doc.getMap('messages').size).toBe(35)
    expect(judged.owners.get(judged.writerClient)).toBe(judged.writer)
  })

  it('an empty bucket: the writer\'s first message brings its (bound) client id into the room', () => {
    const { found } = verdicts(groupBucket(0, 3))
    expect(found.map(({ now }) => now)).toMatchObject([
      { apply: { newClients: 1, clients: [] } },
      { apply: { newClients: 0, clients: [] } },
      { apply: { newClients: 0, clients: [] } }
    ])
  })

  it('a profile room: each update renames its owner, from a device already bound to them', () => {
    const judged = profile(4, { earlier: 30, devices: 3 })
    const { found, doc } = verdicts(judged)
    for (const { before, now } of found) {
      expect(before).toEqual({ apply: { newClients: 0 } })
      expect(now).toMatchObject({ apply: { newClients: 0, clients: [] } })
    }
    expect([...doc.getMap('profile').keys()]).toEqual([judged.writer])
    expect(doc.store.clients.size).toBe(3)
    expect((doc.getMap('profile').get(judged.writer) as { name: string }).name).toBe('member, name 34')
  })

  it('times a round of every judge, with the restore point\'s cost for today\'s', () => {
    const judged = groupBucket(10, 4)
    const { 'in-place': today, encoding: before, none } = timeRound(judged, cpuClockOverhead(100))
    for (const times of [today, before, none]) expect(times.receive).toHaveLength(4)
    expect(today.restorePoint).toEqual({ taken: expect.any(Number), rebuilt: expect.any(Number), rebuiltAgain: expect.any(Number) })
    expect(before.restorePoint).toBeNull()
  })
})
