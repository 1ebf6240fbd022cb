// @vitest-environment happy-dom
// The open conversation as the log shows it, over a real offline client: what appears, when, and where sending takes one.
import { flushSync } from 'svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdentity, type Conversation, type ParleyClient } from '../shared'
import { openOfflineClient } from '../shared/client/offline-testing'
import { ConversationView } from './conversation-view.svelte'
import { MAX_KEPT, PAGE_SIZE } from './message-window'

const clients: ParleyClient[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await Promise.all(clients.splice(0).map(client => client.close()))
})

const openChat = async (): Promise<Conversation> => {
  const { client } = await openOfflineClient()
  clients.push(client)
  return client.openDirect((await createIdentity()).user_id)
}

const sendMany = async (chat: Conversation, count: number): Promise<void> => {
  for (let n = 0; n < count; n += 25) await Promise.all(Array.from({ length: 25 }, (_, i) => chat.send(`message ${n + i}`)))
}

/** What a component reading `read()` renders each time it re-runs. */
const renders = <T>(read: () => T): T[] => {
  const seen: T[] = []
  cleanups.push($effect.root(() => { $effect(() => { seen.push(read()) }) }))
  flushSync()
  return seen
}

const contents = (view: ConversationView): string[] => view.messages.map(message => message.content)

describe('ConversationView', () => {
  it('says it is loading, then shows the history oldest first', async () => {
    const chat = await openChat()
    await chat.send('first')
    await chat.send('second')
    const view = new ConversationView(chat)
    expect(view.loaded).toBe(false)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    expect(contents(view)).toEqual(['first', 'second'])
    expect(view.hasOlder).toBe(false)
  })

  it('re-renders with a sent message, marked pending while no relay has it', async () => {
    const chat = await openChat()
    const view = new ConversationView(chat)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    const shown = renders(() => view.messages.map(message => message.content))
    expect(shown).toEqual([[]])

    await view.send('hello')
    await vi.waitFor(() => expect(shown.at(-1)).toEqual(['hello']))
    expect(view.isPending(view.messages[0]!.message_id)).toBe(true)
  })

  it('shows edits and deletions of messages on screen', async () => {
    const chat = await openChat()
    await chat.send('keep')
    await chat.send('typo')
    const view = new ConversationView(chat)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    const [kept, typo] = view.messages

    await view.edit(typo!.message_id, 'fixed')
    await vi.waitFor(() => expect(contents(view)).toEqual(['keep', 'fixed']))
    await view.delete(kept!.message_id)
    await vi.waitFor(() => expect(view.messages[0]!.deleted_at).not.toBeNull())
  })

  it('loads older pages on request, and sending from far up jumps back to the newest messages', async () => {
    const chat = await openChat()
    await sendMany(chat, MAX_KEPT + 2 * PAGE_SIZE)
    const view = new ConversationView(chat)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    expect(view.messages).toHaveLength(PAGE_SIZE)
    expect(view.live).toBe(true)

    while (view.hasOlder) await view.loadOlder()
    expect(view.messages[0]!.content).toBe('message 0')
    expect(view.live).toBe(false)

    await view.send('back at the end')
    expect(view.live).toBe(true)
    await vi.waitFor(() => expect(contents(view).at(-1)).toBe('back at the end'))
    expect(contents(view).at(-2)).toBe(`message ${MAX_KEPT + 2 * PAGE_SIZE - 1}`)
  })

  it('reads newer pages back after scrolling up, until live again', async () => {
    const chat = await openChat()
    await sendMany(chat, MAX_KEPT + 2 * PAGE_SIZE)
    const view = new ConversationView(chat)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    while (view.hasOlder) await view.loadOlder()

    while (!view.live) await view.loadNewer()
    expect(contents(view).at(-1)).toBe(`message ${MAX_KEPT + 2 * PAGE_SIZE - 1}`)
  })

  it('ignores read marks and typing once closed (a click racing a switch of conversation)', async () => {
    const chat = await openChat()
    const view = new ConversationView(chat)
    await view.close()
    expect(() => { view.markRead(); view.setTyping(true) }).not.toThrow()
  })
})
