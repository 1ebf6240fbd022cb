// RoomPresence: renewals stay with their sender, changes and removals go to everyone, silent states time out.
import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MessageType } from '../../shared/protocol'
import { MAX_DEPARTED_CLOCKS, RoomPresence, type PresenceHolder } from './room-presence'

interface Entry { client: number; clock: number; state: Record<string, unknown> | null }

const readEntries = (message: Uint8Array): Entry[] => {
  const decoder = decoding.createDecoder(message)
  expect(decoding.readVarUint(decoder)).toBe(MessageType.awareness)
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
  return Array.from({ length: decoding.readVarUint(update) }, () => ({
    client: decoding.readVarUint(update),
    clock: decoding.readVarUint(update),
    state: JSON.parse(decoding.readVarString(update)) as Entry['state']
  }))
}

const holder = (user_id = 'ada'): PresenceHolder & { sent: Entry[][] } => {
  const sent: Entry[][] = []
  return { sent, awarenessClients: new Set(), user_id, send: message => { sent.push(readEntries(message)) } }
}

const TIMEOUT = 1000

describe('RoomPresence', () => {
  let broadcasts: Entry[][]
  let presence: RoomPresence<ReturnType<typeof holder>>

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    broadcasts = []
    // Sent at once, so that each step's broadcast can be checked (batching has its own test).
    presence = new RoomPresence({ timeoutMs: TIMEOUT, broadcast: message => { broadcasts.push(readEntries(message)) }, later: flush => flush() })
  })

  afterEach(() => {
    presence.destroy()
    vi.useRealTimers()
  })

  it('sends a new or changed state to everyone, and a renewal back to its sender only', () => {
    const ada = holder()
    presence.apply(ada, [{ client: 1, clock: 1, state: { user_id: 'ada' } }])
    expect(broadcasts).toEqual([[{ client: 1, clock: 1, state: { user_id: 'ada' } }]])
    expect(ada.awarenessClients).toEqual(new Set([1]))

    presence.apply(ada, [{ client: 1, clock: 2, state: { user_id: 'ada' } }])
    expect(broadcasts).toHaveLength(1)
    expect(ada.sent).toEqual([[{ client: 1, clock: 2, state: { user_id: 'ada' } }]])

    presence.apply(ada, [{ client: 1, clock: 3, state: { user_id: 'ada', typing: true } }])
    expect(broadcasts[1]).toEqual([{ client: 1, clock: 3, state: { user_id: 'ada', typing: true } }])
    // The newcomer's view: the latest clock.
    expect(readEntries(presence.snapshot())).toEqual([{ client: 1, clock: 3, state: { user_id: 'ada', typing: true } }])
  })

  it('sends the changes that arrive together as one message, the latest of each client', () => {
    const waiting: Array<() => void> = []
    const batched: Entry[][] = []
    const room = new RoomPresence({ timeoutMs: TIMEOUT, broadcast: message => { batched.push(readEntries(message)) }, later: flush => { waiting.push(flush) } })
    const [ada, bob, cy] = [holder(), holder(), holder()]
    room.apply(ada, [{ client: 1, clock: 1, state: { user_id: 'ada' } }])
    room.apply(bob, [{ client: 2, clock: 1, state: { user_id: 'bob' } }])
    room.apply(cy, [{ client: 3, clock: 1, state: { user_id: 'cy' } }])
    room.apply(ada, [{ client: 1, clock: 2, state: { user_id: 'ada', typing: true } }])
    room.release(bob)
    expect(batched).toEqual([])
    expect(waiting).toHaveLength(1)
    waiting[0]!()
    expect(batched).toEqual([[
      { client: 3, clock: 1, state: { user_id: 'cy' } },
      { client: 1, clock: 2, state: { user_id: 'ada', typing: true } },
      { client: 2, clock: 1, state: null }
    ]])
    room.destroy()
  })

  it('remembers the last clocks of a bounded number of departed clients, forgetting the oldest', () => {
    // Each leaves at clock 5 (a removal of a state nobody holds is remembered too).
    for (let client = 1; client <= MAX_DEPARTED_CLOCKS + 1; client++) presence.apply(holder(), [{ client, clock: 5, state: null }])
    const back = holder()
    // Still remembered: its old clock is not taken for news.
    presence.apply(back, [{ client: MAX_DEPARTED_CLOCKS + 1, clock: 5, state: { user_id: 'ada' } }])
    expect(broadcasts).toEqual([])
    // The oldest was forgotten: the same clock now counts as a new state.
    presence.apply(back, [{ client: 1, clock: 5, state: { user_id: 'bob' } }])
    expect(broadcasts).toEqual([[{ client: 1, clock: 5, state: { user_id: 'bob' } }]])
  })

  it('keeps a departed client id its user\'s however fast someone else cycles through ids of their own', () => {
    const [ada, bob] = [holder('ada'), holder('bob')]
    presence.apply(ada, [{ client: 1, clock: 1, state: { user_id: 'ada' } }])
    expect(presence.holderOf(1)).toBe('ada')
    presence.release(ada)
    expect(presence.holderOf(1)).toBe('ada')
    // Bob floods: removals of ids nobody held, and ids of his own brought online and taken off.
    for (let client = 2; client < 2 + MAX_DEPARTED_CLOCKS + 10; client++) presence.apply(bob, [{ client, clock: 1, state: null }])
    for (let client = 100_000; client < 100_200; client++) {
      presence.apply(bob, [{ client, clock: 1, state: { user_id: 'bob' } }])
      presence.apply(bob, [{ client, clock: 2, state: null }])
    }
    expect(presence.holderOf(1)).toBe('ada')
    expect(presence.holderOf(2)).toBeUndefined()
    expect(presence.holderOf(100_199)).toBe('bob')
    expect(presence.holderOf(100_000)).toBeUndefined()
  })

  it('follows y-protocols on clocks: older is ignored, the same clock may only remove', () => {
    const ada = holder()
    presence.apply(ada, [{ client: 1, clock: 5, state: { user_id: 'ada' } }])
    presence.apply(ada, [{ client: 1, clock: 4, state: { user_id: 'ada', typing: true } }])
    presence.apply(ada, [{ client: 1, clock: 5, state: { user_id: 'ada', typing: true } }])
    expect(broadcasts).toHaveLength(1)
    presence.apply(ada, [{ client: 1, clock: 5, state: null }])
    expect(broadcasts[1]).toEqual([{ client: 1, clock: 5, state: null }])
    expect(presence.has(1)).toBe(false)
    expect(ada.awarenessClients.size).toBe(0)
  })

  it('ignores the same clock re-sent after a departure, and takes the next one for a return', () => {
    const ada = holder()
    presence.apply(ada, [{ client: 1, clock: 7, state: { user_id: 'ada' } }])
    presence.release(ada)
    expect(broadcasts[1]).toEqual([{ client: 1, clock: 7, state: null }])
    const again = holder()
    presence.apply(again, [{ client: 1, clock: 7, state: { user_id: 'ada' } }])
    expect(broadcasts).toHaveLength(2)
    presence.apply(again, [{ client: 1, clock: 8, state: { user_id: 'ada' } }])
    expect(broadcasts[2]).toEqual([{ client: 1, clock: 8, state: { user_id: 'ada' } }])
  })

  it('removes the states of a holder that leaves, for everyone at once', () => {
    const ada = holder()
    const bob = holder()
    presence.apply(ada, [{ client: 1, clock: 1, state: { user_id: 'ada' } }, { client: 2, clock: 1, state: { user_id: 'ada' } }])
    presence.apply(bob, [{ client: 3, clock: 1, state: { user_id: 'bob' } }])
    presence.release(ada)
    expect(broadcasts[2]).toEqual([{ client: 1, clock: 1, state: null }, { client: 2, clock: 1, state: null }])
    expect(readEntries(presence.snapshot())).toEqual([{ client: 3, clock: 1, state: { user_id: 'bob' } }])
    presence.release(ada)
    expect(broadcasts).toHaveLength(3)
  })

  it('removes a state that is not renewed within the timeout, and keeps one that is', () => {
    const ada = holder()
    const bob = holder()
    presence.apply(ada, [{ client: 1, clock: 1, state: { user_id: 'ada' } }])
    presence.apply(bob, [{ client: 2, clock: 1, state: { user_id: 'bob' } }])
    for (let clock = 2; clock <= 4; clock++) {
      vi.advanceTimersByTime(TIMEOUT / 2)
      presence.apply(ada, [{ client: 1, clock, state: { user_id: 'ada' } }])
    }
    // Bob stopped renewing 1.5 timeouts ago; Ada renewed every half timeout.
    expect(broadcasts.slice(2)).toEqual([[{ client: 2, clock: 1, state: null }]])
    expect(presence.has(1)).toBe(true)
    expect(bob.awarenessClients.size).toBe(0)
    vi.advanceTimersByTime(TIMEOUT * 1.1)
    expect(presence.size).toBe(0)
    // Nothing online, nothing scheduled.
    expect(vi.getTimerCount()).toBe(0)
  })
})
