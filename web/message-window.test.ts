// The slice of history on screen, over a real conversation: whole and in order however far one scrolls, and bounded.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdentity, type Conversation, type Message, type ParleyClient } from '../client'
import { openOfflineClient } from '../client/testing/offline-testing'
import { MAX_KEPT, MessageWindow, PAGE_SIZE } from './message-window'

const SENT = 420

const clients: ParleyClient[] = []
afterEach(async () => { await Promise.all(clients.splice(0).map(client => client.close())) })

/** A direct conversation holding `count` messages, "message 0" to "message <count - 1>". */
const conversationOf = async (count: number): Promise<Conversation> => {
  const { client } = await openOfflineClient()
  clients.push(client)
  const chat = await client.openDirect((await createIdentity()).user_id)
  await send(chat, 0, count)
  return chat
}

const send = async (chat: Conversation, from: number, count: number): Promise<void> => {
  for (let n = from; n < from + count; n += 20) {
    await Promise.all(Array.from({ length: Math.min(20, from + count - n) }, (_, i) => chat.send(`message ${n + i}`)))
  }
}

/** Opens a window on the newest page of a conversation of SENT messages. */
const openWindow = async (): Promise<{ chat: Conversation; window: MessageWindow }> => {
  const chat = await conversationOf(SENT)
  const window = new MessageWindow(chat)
  await window.latest()
  return { chat, window }
}

const contents = (messages: readonly Message[]): string[] => messages.map(message => message.content)
/** Every message ever sent, oldest first, as `from` to `to` (both included). */
const run = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `message ${from + i}`)
const numberOf = (message: Message | undefined): number => Number(message?.content.split(' ')[1])

describe('MessageWindow', () => {
  it('opens on the newest page, oldest first, live, with older history to scroll to', async () => {
    const { window } = await openWindow()
    expect(contents(window.ascending())).toEqual(run(SENT - PAGE_SIZE, SENT - 1))
    expect(window.live).toBe(true)
    expect(window.hasOlder).toBe(true)
  })

  it('scrolls up to the first message with no gap, keeping at most MAX_KEPT and no longer live', async () => {
    const { window } = await openWindow()
    while (await window.older()) {
      const shown = window.ascending()
      expect(shown.length).toBeLessThanOrEqual(MAX_KEPT)
      const oldest = numberOf(shown[0])
      expect(contents(shown)).toEqual(run(oldest, oldest + shown.length - 1))
    }
    expect(numberOf(window.ascending()[0])).toBe(0)
    expect(window.hasOlder).toBe(false)
    expect(window.live).toBe(false)
  })

  it('scrolls back down to the newest message with no gap, and is live again there', async () => {
    const { window } = await openWindow()
    while (await window.older()) { /* to the top */ }
    while (await window.newer()) {
      const shown = window.ascending()
      expect(shown.length).toBeLessThanOrEqual(MAX_KEPT)
      const oldest = numberOf(shown[0])
      expect(contents(shown)).toEqual(run(oldest, oldest + shown.length - 1))
    }
    expect(window.live).toBe(true)
    expect(numberOf(window.ascending().at(-1))).toBe(SENT - 1)
  })

  it('shows a new message, an edit and a delete on reload, keeping the same range', async () => {
    const { chat, window } = await openWindow()
    await window.older()
    const oldest = window.ascending()[0]!
    const edited = window.ascending()[10]!
    const deleted = window.ascending()[11]!

    await chat.edit(edited.message_id, 'edited')
    await chat.delete(deleted.message_id)
    await chat.send('newest')
    await window.reload()

    const shown = window.ascending()
    expect(shown[0]!.message_id).toBe(oldest.message_id)
    expect(shown.find(message => message.message_id === edited.message_id)?.content).toBe('edited')
    expect(shown.find(message => message.message_id === deleted.message_id)?.deleted_at).not.toBeNull()
    expect(shown.at(-1)!.content).toBe('newest')
  })

  it('grows past the bound while new messages come in at the newest end, then drops its oldest pages', async () => {
    const { chat, window } = await openWindow()
    for (let page = 1; page < MAX_KEPT / PAGE_SIZE; page++) await window.older()
    expect(window.count).toBe(MAX_KEPT)
    expect(window.keepNewest()).toBe(false)

    await send(chat, SENT, 2 * PAGE_SIZE)
    await window.reload()
    expect(window.count).toBe(MAX_KEPT + 2 * PAGE_SIZE)
    expect(window.live).toBe(true)

    expect(window.keepNewest()).toBe(true)
    expect(window.count).toBeLessThanOrEqual(MAX_KEPT)
    const shown = window.ascending()
    expect(contents(shown)).toEqual(run(numberOf(shown[0]), SENT + 2 * PAGE_SIZE - 1))
    expect(window.hasOlder).toBe(true)
  })

  it('applies a new message, an edit and a delete in place, as reading the same range again would show them, reading no page', async () => {
    const { chat, window } = await openWindow()
    await window.older()
    const [edited, deleted] = window.ascending().slice(10, 12)
    const reads = vi.spyOn(chat, 'history')

    await chat.edit(edited!.message_id, 'edited')
    await chat.delete(deleted!.message_id)
    const newest = await chat.send('newest')
    expect(await window.apply(0, [edited!.message_id, deleted!.message_id, newest.message_id])).toBe(true)
    expect(reads).not.toHaveBeenCalled()

    const applied = window.ascending()
    expect(applied.find(message => message.message_id === edited!.message_id)?.content).toBe('edited')
    expect(applied.find(message => message.message_id === deleted!.message_id)?.deleted_at).not.toBeNull()
    expect(applied.at(-1)!.content).toBe('newest')
    await window.reload()
    expect(window.ascending()).toEqual(applied)
    // Told again, nothing moves.
    expect(await window.apply(0, [newest.message_id])).toBe(false)
  })

  it('leaves out what is outside its range: a new message while scrolled up, a change below it', async () => {
    const { chat, window } = await openWindow()
    while (window.live) await window.older()
    const before = window.ascending()
    const newest = await chat.send('newest')
    const [below] = (await chat.history({ limit: 1, before: window.pages.at(-1)!.lower! })).messages
    await chat.edit(below!.message_id, 'edited below')
    expect(await window.apply(0, [newest.message_id, below!.message_id])).toBe(false)
    expect(window.ascending()).toEqual(before)
  })

  it('cuts the newest page into pages as messages arrive, so that keepNewest bounds a window opened on one page', async () => {
    const { chat, window } = await openWindow()
    const ids: string[] = []
    // Within bucket 0 (SENT + this < BUCKET_CAPACITY).
    for (let n = 0; n < MAX_KEPT + 2 * PAGE_SIZE; n += 20) ids.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => chat.send(`new ${n + i}`)))).map(message => message.message_id))
    expect(await window.apply(0, ids)).toBe(true)
    expect(window.count).toBe(MAX_KEPT + 3 * PAGE_SIZE)

    expect(window.keepNewest()).toBe(true)
    expect(window.count).toBeLessThanOrEqual(MAX_KEPT)
    expect(window.ascending().at(-1)!.content).toBe(`new ${MAX_KEPT + 2 * PAGE_SIZE - 1}`)
    // What was cut still continues below: the next older page joins without a gap.
    const oldest = window.ascending()[0]!
    await window.older()
    const shown = window.ascending()
    const at = shown.findIndex(message => message.message_id === oldest.message_id)
    expect(at).toBeGreaterThan(0)
    expect(shown.slice(at - 1, at + 1).map(message => message.content)).toEqual([`new ${Number(oldest.content.split(' ')[1]) - 1}`, oldest.content])
  })
})
