// The hostile workload's frames are what they claim: refused by today's judge, the room unchanged, and within the frame limit.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate } from '../../relay/writes/judge-update'
import { RestorePoint } from '../../relay/writes/restore-point'
import { gcFlood, othersProfileWrite } from './hostile-frames'
import { JUDGE_DEFAULTS, profile } from './judge-rooms'

/** The victim's profile room, renamed a few times from two devices of theirs. */
const victimRoom = profile(0, { earlier: 5, devices: 2 })

const judgeInProfileRoom = (update: Uint8Array) => {
  const judged = victimRoom
  const doc = new Y.Doc({ gc: true })
  Y.applyUpdate(doc, judged.seed)
  const before = Y.encodeStateAsUpdate(doc)
  const restorePoint = RestorePoint.of(doc)
  // The attacker: a user of its own, not the room's owner.
  const { verdict, spoiled } = judgeUpdate(update, {
    doc, origin: null, room: judged.room, writer: 'H'.repeat(22), ownerOf: client => judged.owners.get(client),
    refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: 4000, ...JUDGE_DEFAULTS
  })
  // As the room does: a spoiled document is rebuilt from the restore point.
  const room = spoiled ? restorePoint.restore() : doc
  const unchanged = Buffer.from(Y.encodeStateAsUpdate(room)).equals(Buffer.from(before))
  return { verdict, unchanged }
}

const victim = { user_id: victimRoom.writer, name: 'victim', public_key: 'K'.repeat(43), created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z', deleted_at: null }

describe('hostile frames', () => {
  it("someone else's profile: a few hundred bytes, refused as not the writer's once applied, and undone", () => {
    const update = othersProfileWrite(victim, 3_100_000_007)
    expect(update.length).toBeLessThan(300)
    expect(judgeInProfileRoom(update)).toMatchObject({ verdict: { refused: 'not-yours' }, unchanged: true })
  })

  it('a GC-struct flood fills the frame it is sized for, and is refused', () => {
    const update = gcFlood(64 * 1024)
    expect(update.length).toBeLessThanOrEqual(63 * 1024)
    expect(update.length).toBeGreaterThan(60 * 1024)
    expect(Y.parseUpdateMeta(update).to.size).toBeGreaterThan(6000)
    expect(judgeInProfileRoom(update)).toEqual({ verdict: { refused: 'gc-struct' }, unchanged: true })
  })
})
