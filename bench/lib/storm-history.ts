// A room's message history for storms: made fast (one real signature per sender, reused), sent once into each relay, and the state vector of a client that lacks only its last messages.
import * as Y from 'yjs'
import type { Identity } from '../../shared/identity'
import { randomId } from '../../shared/ids'
import { signMessage } from '../../shared/message-signature'
import type { Message } from '../../shared/model'
import { bucketMessages } from '../../shared/schema'
import type { RunningServer } from '../servers'
import { StormClient, prepareJoin } from './storm-client'

export interface HistoryUpdate {
  /** Index of the sender (among the history's senders) whose connection must send it. */
  sender: number
  update: Uint8Array
  /** Bytes of a message id in it, to recognise the relay's echo. */
  marker: Buffer
}

export interface History {
  /** Messages in it. */
  size: number
  /** Every update but the tail's, each sender's in the order they were made. */
  body: HistoryUpdate[]
  /** The last messages, one update each, sent after the body. */
  tail: HistoryUpdate[]
  /** The state vector of a client holding everything but the tail (a warm reconnect). */
  warmStateVector: Uint8Array
  /** The state vector of the whole history (what a seeder announces, so the relay sends it nothing back). */
  fullStateVector: Uint8Array
}

export interface HistoryOptions {
  /** Messages left out of the warm state vector. */
  tail?: number
  /** Messages of one sender per update. */
  chunk?: number
  /** Messages after which a sender starts a new session (a new Yjs client id), as a reload or a new device does. */
  sessionLength?: number
  /** One message in this many is edited afterwards (an edit deletes the replaced value: the delete set grows with history). */
  editEvery?: number
  contentLength?: number
}

/**
 * Writes `size` messages of `senders` in turn into bucket documents, as they would reach a relay.
 * NOTE: each sender signs one message for real and every other message reuses that signature:
 * it has the right shape and size, which is all the relays check (clients verify signatures,
 * relays do not), and it keeps a 100,000-message history to seconds instead of a minute.
 */
export const buildHistory = async (size: number, senders: readonly Identity[], group_id: string, options: HistoryOptions = {}): Promise<History> => {
  const { tail = 10, chunk = 250, sessionLength = 1000, editEvery = 20, contentLength = 64 } = options
  const signatures = await Promise.all(senders.map(async identity => {
    const now = new Date().toISOString()
    const sample = { message_id: randomId(), sender_id: identity.user_id, receiver_id: null, group_id, content: 'x', created_at: now, updated_at: now, deleted_at: null }
    return signMessage(identity, sample)
  }))
  const start = Date.now() - size - 1000
  const messageAt = (index: number, sender: number): Message => {
    const created_at = new Date(start + index).toISOString()
    const content = `history#${String(index).padStart(8, '0')}`
    return {
      message_id: randomId(),
      sender_id: senders[sender]!.user_id,
      receiver_id: null,
      group_id,
      content: content + ' '.repeat(Math.max(0, contentLength - content.length)),
      created_at,
      updated_at: created_at,
      deleted_at: null,
      signature: signatures[sender]!
    }
  }

  const body: HistoryUpdate[] = []
  const sessions: Y.Doc[] = []
  const current: Array<{ doc: Y.Doc; written: Message[] }> = []
  const open = (sender: number) => {
    const doc = new Y.Doc()
    sessions.push(doc)
    current[sender] = { doc, written: [] }
    return current[sender]!
  }
  /** Writes messages `indexes` of `sender` in one transaction of its current session, editing every editEvery-th one a few messages later. */
  const write = (sender: number, indexes: number[]): HistoryUpdate => {
    const session = current[sender]!
    let update: Uint8Array | null = null
    const capture = (bytes: Uint8Array) => { update = bytes }
    session.doc.on('update', capture)
    let last = ''
    session.doc.transact(() => {
      const messages = bucketMessages(session.doc)
      for (const index of indexes) {
        const message = messageAt(index, sender)
        messages.set(message.message_id, message)
        session.written.push(message)
        last = message.message_id
        const earlier = session.written.length - 5
        if (earlier >= 0 && earlier % editEvery === 0) {
          const original = session.written[earlier]!
          messages.set(original.message_id, { ...original, content: `${original.content.trimEnd()} (edited)`, updated_at: message.created_at })
        }
      }
    })
    session.doc.off('update', capture)
    return { sender, update: update!, marker: Buffer.from(last) }
  }

  const bodySize = Math.max(0, size - tail)
  for (let sender = 0; sender < senders.length; sender++) {
    open(sender)
    const own: number[] = []
    for (let index = sender; index < bodySize; index += senders.length) own.push(index)
    let at = 0
    while (at < own.length) {
      // A new session every sessionLength messages of this sender; a chunk never spans two.
      if (current[sender]!.written.length >= sessionLength) open(sender)
      const take = Math.min(chunk, sessionLength - current[sender]!.written.length, own.length - at)
      body.push(write(sender, own.slice(at, at + take)))
      at += take
    }
  }

  const stateVectorOf = (docs: readonly Y.Doc[]): Map<number, number> => {
    const vector = new Map<number, number>()
    for (const doc of docs) for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) vector.set(client, clock)
    return vector
  }
  const warmStateVector = Y.encodeStateVector(stateVectorOf(sessions))
  const tailUpdates: HistoryUpdate[] = []
  for (let index = bodySize; index < size; index++) tailUpdates.push(write(index % senders.length, [index]))
  const fullStateVector = Y.encodeStateVector(stateVectorOf(sessions))
  for (const doc of sessions) doc.destroy()
  return { size, body, tail: tailUpdates, warmStateVector, fullStateVector }
}

/**
 * Sends a history into `room` of a relay, one sender's connection at a time (each announcing
 * the full history's state vector, so the relay sends none of it back), and waits until the relay
 * has echoed each sender's last update. Someone must hold the room open meanwhile (a keeper):
 * relays without persistence drop a room with its last connection.
 */
export const seedHistory = async (server: Pick<RunningServer, 'system' | 'wsUrl'>, room: string, history: History, senders: readonly Identity[], timeoutMs = 60_000): Promise<void> => {
  const updates = [...history.body, ...history.tail]
  for (let sender = 0; sender < senders.length; sender++) {
    const own = updates.filter(update => update.sender === sender)
    if (own.length === 0) continue
    const client = new StormClient(await prepareJoin(server, room, senders[sender]), history.fullStateVector)
    try {
      await client.synced
      const marker = own.at(-1)!.marker
      const echoed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${server.system} did not echo the history of sender ${sender} within ${timeoutMs / 1000} s`)), timeoutMs)
        client.onUpdate(message => {
          if (message.includes(marker)) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      for (const { update } of own) client.sendUpdate(update)
      await echoed
    } finally {
      await client.close()
    }
  }
}
