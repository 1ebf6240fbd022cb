// The Hocuspocus baseline (@hocuspocus/server 3.4, the last line that runs on Node 20) starts and relays an update between two thin clients.
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeAll, connectThin } from '../lib/thin-connect'
import { MESSAGE_SYNC, SYNC_UPDATE, readVarUint } from '../lib/thin-client'
import { startServer, type RunningServer } from '.'

describe('the Hocuspocus baseline', () => {
  let server: RunningServer
  beforeAll(async () => { server = await startServer('hocuspocus') })
  afterAll(() => server?.stop())

  it('syncs two clients of a document and relays an update from one to the other', async () => {
    const [writer, reader] = [await connectThin(server, { room: 'baseline' }), await connectThin(server, { room: 'baseline' })]
    try {
      await Promise.all([writer!.synced, reader!.synced])
      const doc = new Y.Doc()
      doc.getMap('m').set('hello', 'world')
      const update = Y.encodeStateAsUpdate(doc)
      const relayed = new Promise<Uint8Array>(resolve => {
        reader!.onMessage(({ type, bytes }) => {
          if (type !== MESSAGE_SYNC || bytes[1] !== SYNC_UPDATE) return
          const [length, start] = readVarUint(bytes, 2)
          resolve(bytes.subarray(start, start + length))
        })
      })
      writer!.sendUpdate(update)
      const copy = new Y.Doc()
      Y.applyUpdate(copy, await relayed)
      expect(copy.getMap('m').get('hello')).toBe('world')
    } finally {
      await closeAll([writer, reader])
    }
  })
})
