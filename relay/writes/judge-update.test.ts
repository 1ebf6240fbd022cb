// The verdict on a whole update: apply, wait, unreadable, or refused, and the cap on new Yjs client ids per user.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { parseRoom, type RoomRef } from '../../shared/protocol'
import { MAX_NEW_CLIENTS_PER_USER, judgeUpdate, type UpdateJudgement } from './judge-update'

const EVE = 'E'.repeat(22)
const ROOM = parseRoom(`user/${EVE}`) as RoomRef

/** An update writing one read mark into Eve's own room from a fresh Yjs client. */
const readMark = (index: number): Uint8Array => {
  const doc = new Y.Doc()
  doc.getMap('reads').set(`dm/${'A'.repeat(22)}/${'B'.repeat(21)}${String.fromCharCode(65 + (index % 26))}`, { counts: {} })
  return Y.encodeStateAsUpdate(doc)
}

/** Eve's update to her own room judged on `doc`, as the relay judges it with nobody near a limit. */
const judged = (doc: Y.Doc, update: Uint8Array, judgement: Partial<UpdateJudgement> = {}) =>
  judgeUpdate(update, {
    doc, origin: null, room: ROOM, writer: EVE, ownerOf: () => undefined, presenceHolderOf: () => undefined, refusalsAllowed: 8,
    refused: new Map(), newClientsAllowed: MAX_NEW_CLIENTS_PER_USER, maxMessageLength: 4000, bytesOf: () => 0, maxBytesPerRoom: 1 << 20,
    maxStructs: 10_000, bytesOverall: () => 0, maxBytesPerUser: 1 << 30, ...judgement
  })

const judge = (doc: Y.Doc, update: Uint8Array, newClientsAllowed = MAX_NEW_CLIENTS_PER_USER) => judged(doc, update, { newClientsAllowed }).verdict

/** The Yjs client id an update writes under. */
const clientOf = (update: Uint8Array): number => [...Y.parseUpdateMeta(update).to.keys()][0]!

describe('judgeUpdate', () => {
  it('applies an owner\'s write, counting the Yjs client id it brings, and yields it as Yjs applied it', () => {
    const update = readMark(0)
    const doc = new Y.Doc()
    const verdict = judge(doc, update)
    expect(verdict).toMatchObject({ apply: { newClients: 1, clients: [clientOf(update)], applied: expect.any(Uint8Array) } })
    expect(doc.getMap('reads').size).toBe(1)
    // Sent again, it holds nothing new: accepted, with nothing to store or forward.
    expect(judge(doc, update)).toMatchObject({ apply: { newClients: 0, applied: null } })
  })

  it('a refused update leaves the document spoiled (the room rebuilds it); one refused unread does not', () => {
    expect(judged(new Y.Doc(), readMark(3), { writer: 'A'.repeat(22) })).toMatchObject({ verdict: { refused: 'not-yours' }, spoiled: true })
    expect(judged(new Y.Doc(), Uint8Array.of(1, 1, 7, 0, 0, 1, 0))).toEqual({ verdict: { refused: 'gc-struct' }, spoiled: false })
  })

  it('refuses a user bringing more than the allowed number of new Yjs client ids into a room', () => {
    expect(judge(new Y.Doc(), readMark(1), 0)).toMatchObject({ refused: 'too-many-client-ids' })
    expect(judge(new Y.Doc(), readMark(1), 1)).toMatchObject({ apply: { newClients: 1 } })
    const many = Y.mergeUpdates(Array.from({ length: MAX_NEW_CLIENTS_PER_USER + 1 }, (_, i) => readMark(i)))
    expect(judge(new Y.Doc(), many)).toMatchObject({ refused: 'too-many-client-ids' })
  })

  it('waits for an update whose dependencies have not arrived, and calls garbage unreadable', () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    doc.getMap('reads').set('x', { counts: {} })
    doc.getMap('reads').set('x', { counts: {} })
    expect(judge(new Y.Doc(), updates[1]!)).toBe('wait')
    expect(judge(new Y.Doc(), new Uint8Array([9, 9, 9]))).toBe('unreadable')
  })

  it('after too many refusals, refuses before trying; an update the cost check refused unread says nothing of where it starts', () => {
    const update = readMark(2)
    expect(judged(new Y.Doc(), update, { refusalsAllowed: 0 })).toEqual({ verdict: { refused: 'too-many-refusals', from: new Map([[clientOf(update), 0]]) }, spoiled: false })
  })
})
