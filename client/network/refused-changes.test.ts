// What the relay refused is given up under its client id, and the doc writes on under a fresh one.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { RefusedChanges } from './refused-changes'

describe('RefusedChanges', () => {
  it('gives up the doc\'s client id where it stands, and moves the doc and its presence to a fresh one', () => {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    awareness.setLocalState({ user_id: 'ada' })
    doc.getMap('m').set('refused', 1)
    const given = doc.clientID
    const refused = new RefusedChanges()
    refused.abandon(doc, awareness)
    expect(doc.clientID).not.toBe(given)
    expect(awareness.clientID).toBe(doc.clientID)
    expect(awareness.getLocalState()).toEqual({ user_id: 'ada' })
    expect(awareness.getStates().has(given)).toBe(false)
    expect(refused.withheld(new Map([[given, 0]])).get(given)).toBe(1)
    expect(refused.settled(given, 0)).toBe(1)
    // What is written next goes out under the fresh id, and is offered.
    doc.getMap('m').set('next', 2)
    const offered = new Y.Doc()
    Y.applyUpdate(offered, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(refused.withheld(new Map()))))
    expect(offered.getMap('m').toJSON()).toEqual({ next: 2 })
    awareness.destroy()
  })

  it('moves an empty presence too, so that it can still be encoded under the fresh id', () => {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    awareness.setLocalState(null)
    new RefusedChanges().abandon(doc, awareness)
    expect(awareness.meta.has(doc.clientID)).toBe(true)
    awareness.destroy()
  })
})
