// The updates the hostile workload's attacker sends: the most expensive per byte and per frame found for today's relay (docs/performance.md, `hostile`).
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { User } from '../../shared/model'
import { profileRecord } from '../../shared/schema'
import { craft, run } from '../../test/hand-updates'

/** Room left in a frame for the mux header and the sync message around an update. */
const FRAME_HEADROOM = 1024

/**
 * A new profile under someone else's user id, written into their profile room from a client id of
 * the sender's: about 240 bytes the relay refuses ('not-yours') only after Yjs has applied them to
 * the room, which it then rebuilds from its restore point. NOTE: the same bytes every time: a refused update leaves the room
 * unchanged, so each is tried afresh.
 */
export const othersProfileWrite = (victim: User, client: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.clientID = client
  let update: Uint8Array | null = null
  doc.on('update', (bytes: Uint8Array) => { update = bytes })
  profileRecord(doc).set(victim.user_id, { ...victim, name: 'taken over' })
  doc.destroy()
  return update!
}

/**
 * As many one-tick GC structs as fit in `maxFrameBytes`, each under a client id of its own
 * (the fuzzer's 'gc-flood', test/fuzz/frames.ts, grown to the frame limit): the cost check lets
 * it by (it is well-formed and depends on nothing), and Yjs integrates every struct into the
 * room before the relay sees what it is ('gc-struct', and far too many new client ids).
 */
export const gcFlood = (maxFrameBytes: number, firstClient = 3_500_000_000): Uint8Array => {
  const build = (count: number) => craft(e => {
    encoding.writeVarUint(e, count)
    for (let i = 0; i < count; i++) {
      run(e, 1, firstClient + i, 0)
      encoding.writeUint8(e, 0)
      encoding.writeVarUint(e, 1)
    }
  })
  const room = maxFrameBytes - FRAME_HEADROOM
  // Each struct takes 9 bytes at these client ids (a 5-byte id); one estimate, then at most a few corrections.
  let count = Math.floor(room / 9)
  let update = build(count)
  for (let round = 0; update.length > room && round < 8; round++) {
    count = Math.floor(count * room / update.length * 0.99)
    update = build(count)
  }
  return update
}
