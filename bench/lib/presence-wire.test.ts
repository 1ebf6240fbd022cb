import * as awarenessProtocol from 'y-protocols/awareness'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { awarenessMessage } from './thin-client'
import { PresenceState, TypingBursts, encodePresence, readPresenceMessage } from './presence-wire'

describe('presence on the wire', () => {
  it('writes updates y-protocols applies: states, renewals and leaving', () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc())
    awareness.setLocalState(null)
    const presence = new PresenceState({ user_id: 'u1' })
    awarenessProtocol.applyAwarenessUpdate(awareness, presence.next(), 'test')
    expect(awareness.getStates().get(presence.client)).toEqual({ user_id: 'u1' })
    const updated: number[] = []
    awareness.on('update', ({ updated: clients }: { updated: number[] }) => updated.push(...clients))
    awarenessProtocol.applyAwarenessUpdate(awareness, presence.next(), 'test')
    expect(updated).toEqual([presence.client])
    awarenessProtocol.applyAwarenessUpdate(awareness, presence.leave(), 'test')
    expect(awareness.getStates().has(presence.client)).toBe(false)
    awareness.destroy()
  })

  it('types in bursts: starts, keeps on, stops, starts again', () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc())
    awareness.setLocalState(null)
    const presence = new PresenceState({ user_id: 'u3', typing: true })
    const typist = new TypingBursts(presence, 3)
    const seen: string[] = []
    awareness.on('change', ({ added, updated, removed }: Record<string, number[]>) => {
      seen.push(added!.length > 0 ? 'started' : updated!.length > 0 ? 'changed' : removed!.length > 0 ? 'stopped' : '?')
    })
    for (let tick = 0; tick < 4; tick++) awarenessProtocol.applyAwarenessUpdate(awareness, typist.next(), 'test')
    // The second tick carries the same state again: no change. (y-protocols
    // reports a client coming back after it left as changed, not added.)
    expect(seen).toEqual(['started', 'stopped', 'changed'])
    expect(awareness.getStates().get(presence.client)).toEqual({ user_id: 'u3', typing: true })
    awareness.destroy()
  })

  it('reads what y-protocols writes, telling states from removals', () => {
    const doc = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.setLocalState({ user_id: 'u2', typing: true })
    const message = awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]))
    expect(readPresenceMessage(message)).toEqual([{ client: doc.clientID, clock: awareness.meta.get(doc.clientID)!.clock, left: false }])
    const removal = awarenessMessage(encodePresence([{ client: 7, clock: 3, state: null }]))
    expect(readPresenceMessage(removal)).toEqual([{ client: 7, clock: 3, left: true }])
    expect(readPresenceMessage(Uint8Array.of(0, 0, 1, 0))).toBeNull()
    awareness.destroy()
  })
})
