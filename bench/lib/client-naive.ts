// The layout Parley is measured against: a conversation's whole log in one Y.Doc, one Y.Array of messages, kept by y-indexeddb.
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Identity } from '../../shared/identity'
import { signMessage, verifyMessage, type UnsignedMessage } from '../../shared/message-signature'
import { parseMessage, type Message } from '../../shared/model'

export const naiveLog = (doc: Y.Doc): Y.Array<unknown> => doc.getArray('log')

/**
 * The newest `limit` messages, newest first, each parsed and its signature checked, as Parley
 * requires before showing a message: the same rule, applied to the messages shown only.
 */
export const naiveNewest = async (doc: Y.Doc, limit: number, keys: ReadonlyMap<string, string>): Promise<Message[]> => {
  const log = naiveLog(doc)
  const parsed: Message[] = []
  for (const value of log.slice(Math.max(0, log.length - limit)).reverse()) {
    const result = parseMessage(value)
    if (result.ok) parsed.push(result.value)
  }
  const genuine = await Promise.all(parsed.map(message => {
    const key = keys.get(message.sender_id)
    return key ? verifyMessage(message, key) : false
  }))
  return parsed.filter((_, i) => genuine[i])
}

/** A naive log opened from IndexedDB (y-indexeddb), as a client opening the conversation would. */
export interface NaiveReplica {
  readonly doc: Y.Doc
  readonly persistence: IndexeddbPersistence
  close(): Promise<void>
}

export const openNaive = async (name: string, doc = new Y.Doc()): Promise<NaiveReplica> => {
  const persistence = new IndexeddbPersistence(name, doc)
  await persistence.whenSynced
  return {
    doc,
    persistence,
    close: async () => {
      await persistence.destroy()
      doc.destroy()
    }
  }
}

/** A naive send: the message signed (one signature: there is no index entry), then pushed onto the log. */
export const naiveSend = async (doc: Y.Doc, sender: Identity, unsigned: UnsignedMessage): Promise<Message> => {
  const message: Message = { ...unsigned, signature: await signMessage(sender, unsigned) }
  // NOTE: push, as naive code writes it: Yjs walks from its last search marker (none after a
  // load) to the end of the list, which is what makes this layout's writes grow with the log.
  doc.transact(() => naiveLog(doc).push([message]))
  return message
}
