import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { randomId } from '../../shared/ids'
import { bucketMessages } from '../../shared/schema'
import { buildHistory } from './storm-history'
import { createIdentities } from './thin-parley-setup'

describe('buildHistory', () => {
  it('writes every message once, sessions and edits included, and a warm state vector that lacks only the tail', async () => {
    const senders = await createIdentities(3)
    const history = await buildHistory(60, senders, randomId(), { tail: 10, chunk: 7, sessionLength: 10, editEvery: 4 })
    const full = new Y.Doc()
    for (const { update } of [...history.body, ...history.tail]) Y.applyUpdate(full, update)
    expect(full.store.pendingStructs).toBeNull()
    expect(bucketMessages(full).size).toBe(60)
    expect([...bucketMessages(full).values()].filter(value => String((value as { content: string }).content).endsWith('(edited)')).length).toBeGreaterThan(0)
    expect(Y.encodeStateVector(full)).toEqual(history.fullStateVector)

    const warm = new Y.Doc()
    for (const { update } of history.body) Y.applyUpdate(warm, update)
    expect(Y.encodeStateVector(warm)).toEqual(history.warmStateVector)
    expect(bucketMessages(warm).size).toBe(50)
    // What a relay holding everything sends a warm client completes it.
    Y.applyUpdate(warm, Y.encodeStateAsUpdate(full, history.warmStateVector))
    expect(bucketMessages(warm).size).toBe(60)
    // Every sender's updates are its own: at least one session per sender, several past sessionLength.
    expect(new Set(history.body.map(update => update.sender))).toEqual(new Set([0, 1, 2]))
  })
})
