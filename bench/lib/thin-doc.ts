// A Y.Doc behind a thin client: applies what the room sends and reports each message entry as Yjs makes it visible (end to end, minus a UI).
import * as Y from 'yjs'
import { bucketMessages } from '../../shared/schema'
import { MESSAGE_SYNC, SYNC_STEP_2, SYNC_UPDATE, readVarUint, type ThinClient } from './thin-client'

export interface DocReceiver {
  readonly doc: Y.Doc
  detach(): void
}

/**
 * Applies every sync step 2 and update `client` receives to a Y.Doc, and calls `seen` with each
 * new or changed entry of its 'messages' map once applied, at performance.now().
 */
export const attachDoc = (client: ThinClient, seen: (value: unknown, key: string, at: number) => void): DocReceiver => {
  const doc = new Y.Doc()
  const messages = bucketMessages(doc)
  messages.observe(event => {
    const at = performance.now()
    for (const key of event.keysChanged) {
      const value = messages.get(key)
      if (value !== undefined) seen(value, key, at)
    }
  })
  const stop = client.onMessage(({ type, bytes }) => {
    if (type !== MESSAGE_SYNC || (bytes[1] !== SYNC_UPDATE && bytes[1] !== SYNC_STEP_2)) return
    const [length, start] = readVarUint(bytes, 2)
    Y.applyUpdate(doc, bytes.subarray(start, start + length))
  })
  return {
    doc,
    detach: () => {
      stop()
      doc.destroy()
    }
  }
}
