import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createIdentity } from '../../shared/identity'
import { parseMessage } from '../../shared/model'
import { verifyMessage } from '../../shared/message-signature'
import { bucketMessages } from '../../shared/schema'
import { MessageWriter, findMarkers, markerText } from './thin-messages'
import { readVarUint, updateMessage } from './thin-client'

describe('benchmark messages', () => {
  it('finds every marker in raw bytes, also in merged updates', async () => {
    const identity = await createIdentity()
    const writer = new MessageWriter([identity], 'AAAAAAAAAAAAAAAAAAAAAA')
    const prepared = await writer.writeMany(41, 3)
    const merged = Y.mergeUpdates(prepared.map(message => message.update))
    const found: number[] = []
    findMarkers(Buffer.from(updateMessage(merged)), seq => found.push(seq))
    expect(found.sort()).toEqual([41, 42, 43])
    expect(markerText(7)).toBe('bench#00000007')
  })

  it('writes valid messages, signed by their sender', async () => {
    const identity = await createIdentity()
    const writer = new MessageWriter([identity], 'AAAAAAAAAAAAAAAAAAAAAA')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, (await writer.write(1, 0, 80)).update)
    const [value] = [...bucketMessages(doc).values()]
    const parsed = parseMessage(value)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.value.content).toHaveLength(80)
    expect(await verifyMessage(parsed.value, identity.public_key)).toBe(true)
  })

  it('frames an update as a y-websocket sync message', () => {
    const message = updateMessage(new Uint8Array(200))
    expect([message[0], message[1]]).toEqual([0, 2])
    expect(readVarUint(message, 2)).toEqual([200, 4])
  })
})
