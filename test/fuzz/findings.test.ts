// What the fuzzer (test/fuzz/) found wrong in the relay, each a minimal reproduction: fixed, and kept so that it stays fixed.
import { afterEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import { createIdentity, type Identity } from '../../shared/identity'
import { MessageType, SyncStep, formatRefusal, profileRoom, readRefusal } from '../../shared/protocol'
import { Fixture, authenticatedSocket, waitFor } from '../helpers'
import { updateMessage } from './frames'
import { copyOverWire, relayCopy } from './run-fuzz'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/**
 * A v1 update of one-tick GC structs, one per client given, from clock 0, and no deletions.
 * For client 4242 alone it is the 8 bytes 01 01 92 21 00 00 01 00: one run, one struct, client
 * 4242, clock 0, info 0 (GC), length 1; then an empty delete set.
 */
const gcStructs = (clients: number[]): Uint8Array => encoding.encode(encoder => {
  encoding.writeVarUint(encoder, clients.length)
  for (const client of clients) {
    encoding.writeVarUint(encoder, 1) // one struct
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, 0) // from clock 0
    encoding.writeUint8(encoder, 0) // a GC struct
    encoding.writeVarUint(encoder, 1) // of length 1
  }
  encoding.writeVarUint(encoder, 0) // no deletions
})

/**
 * A one-room socket to `identity`'s own profile room (the one public room everyone may write to:
 * their own), recording the relay's answers: refusals, and its echo of applied updates.
 */
const ownProfileSocket = async (wsUrl: string, identity: Identity): Promise<{ socket: WebSocket; answers: string[] }> => {
  const socket = await authenticatedSocket(wsUrl, profileRoom(identity.user_id), identity)
  fixture.defer(() => socket.terminate())
  socket.on('error', () => {})
  const answers: string[] = []
  socket.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data))
    const type = decoding.readVarUint(decoder)
    const refusal = type === MessageType.auth ? readRefusal(decoder) : null
    if (refusal !== null) answers.push(formatRefusal(refusal))
    if (type === MessageType.sync && decoding.readVarUint(decoder) === SyncStep.update) answers.push('update applied')
  })
  await new Promise(resolve => socket.once('open', resolve))
  return { socket, answers }
}

const clientsOf = async (relay: Awaited<ReturnType<Fixture['relay']>>, room: string): Promise<number[]> => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, await relayCopy(relay, room))
  return [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()]
}

describe('finding: GC structs of Yjs clients nobody has are stored in any room one may write to', () => {
  /*
   * Found by the fuzzer's cpu-heavy 'gc-huge' and 'gc-flood' frames (seed 20240601, and every
   * seed tried since): the check "the relay's <room> holds changes of honest clients only" failed
   * for the directory of protocol v1 (now each profile's own room) and for a group's rooms (whose
   * member sent them). A GC struct writes no
   * entry, so the write rules (update-inspection.ts skips non-items) have nothing to refuse, and
   * update-cost.ts lets through any GC struct that starts at a client's clock and ends below
   * maxClock (2^40). No honest Parley client sends one: its documents hold only root maps, whose
   * replaced values become ContentDeleted items, never GC structs.
   */
  it('refuses a one-tick GC struct of a new client in one\'s own profile room (8 bytes), rather than storing it', async () => {
    const relay = await fixture.relay()
    const eve = await createIdentity()
    const { socket, answers } = await ownProfileSocket(relay.wsUrl, eve)
    socket.send(updateMessage(gcStructs([4242])))
    await waitFor('the relay to answer (a refusal, or the echo of an applied update)', () => answers.length > 0)
    expect(await clientsOf(relay, profileRoom(eve.user_id))).not.toContain(4242)
  })

  it('does not let one 18 KB frame add 2,000 clients to one\'s profile that everyone who looks one up then downloads', async () => {
    const relay = await fixture.relay()
    const eve = await createIdentity()
    const { socket, answers } = await ownProfileSocket(relay.wsUrl, eve)
    const flood = gcStructs(Array.from({ length: 2000 }, (_, i) => 1_000_000 + i))
    socket.send(updateMessage(flood))
    await waitFor('the relay to answer', () => answers.length > 0)
    // What someone is sent when they first look Eve up: the 2,000 clients, for good.
    const firstSync = await copyOverWire(relay.wsUrl, profileRoom(eve.user_id), await createIdentity())
    expect(flood.length).toBeLessThan(20_000)
    expect((await clientsOf(relay, profileRoom(eve.user_id))).length, 'clients in Eve\'s profile room').toBeLessThan(10)
    expect(firstSync.length, 'bytes of a first look at Eve\'s profile').toBeLessThan(1000)
  })
})

describe('finding: a refused update that Yjs cannot parse ends in an internal error (1011) instead of a refusal', () => {
  /*
   * Found by the 2-minute `npm run fuzz` (seed 222076562): "the relay logged no internal error"
   * failed with `internal-error ... Error: Unexpected case at readItemContent ... at parseUpdateMeta`,
   * and sockets closed with 1011. In relay/room.ts receiveUpdate, a refused verdict records the
   * refused clients with Y.parseUpdateMeta(update); but judgeUpdate refuses some updates
   * (checkUpdateCost: 'skip', 'clock-overflow', 'subdocument', ...) at the first offending struct,
   * without reading the rest, so parseUpdateMeta meets bytes Yjs cannot read and throws a plain
   * Error, which RoomMembership.handle logs as an internal error (error level, once per such frame).
   */
  it('refuses a Skip struct followed by an unknown content type without an internal error', async () => {
    const relay = await fixture.relay()
    const { socket, answers } = await ownProfileSocket(relay.wsUrl, await createIdentity())
    const closed = new Promise<number>(resolve => socket.once('close', code => resolve(code)))
    // 01 02 e9 07 00 0a 05 0b 01 01 6d 00: a run of 2 structs of client 1001 from clock 0: a Skip
    // of length 5, then an item (info 11, an unknown content type) in root map 'm'; no deletions.
    const update = encoding.encode(encoder => {
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint(encoder, 2)
      encoding.writeVarUint(encoder, 1001)
      encoding.writeVarUint(encoder, 0)
      encoding.writeUint8(encoder, 10) // Skip
      encoding.writeVarUint(encoder, 5)
      encoding.writeUint8(encoder, 11) // an item with content type 11, which Yjs does not know
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarString(encoder, 'm')
      encoding.writeVarUint(encoder, 0)
    })
    socket.send(updateMessage(update))
    const code = await Promise.race([closed, waitFor('a refusal', () => answers.length > 0).then(() => 'refused')])
    expect(relay.log.filter(line => line.includes('internal-error'))).toEqual([])
    expect(code).not.toBe(1011)
  })
})
