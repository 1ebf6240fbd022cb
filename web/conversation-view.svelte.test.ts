// @vitest-environment happy-dom
// The open conversation as the log shows it, over a real offline client: what appears, when, and where sending takes one.
import { flushSync } from 'svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ParleyClient, createIdentity, type Conversation } from '../client'
import { Hub, type HubNetwork } from '../client/testing/hub-testing'
import { openOfflineClient } from '../client/testing/offline-testing'
import { memoryStorage } from '../client/transport'
import { bucketRoom } from '../shared/protocol'
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

/** Ada and Bob over an in-memory relay, each with their side of their conversation. */
const openPair = async () => {
  const hub = new Hub()
  const open = async () => {
    const network = hub.network()
    const client = await ParleyClient.open({ identity: await createIdentity(), network, storage: memoryStorage })
    clients.push(client)
    client.setProfile({ name: 'Someone' })
    return { client, network }
  }
  const [ada, bob] = [await open(), await open()]
  const adaSide = await ada.client.openDirect(bob.client.me.user_id)
  const bobSide = await bob.client.openDirect(ada.client.me.user_id)
  return { adaSide, bobSide, adaNetwork: ada.network }
}

/** The relay confirms everything Ada's bucket holds. */
const acknowledge = (network: HubNetwork, chat: Conversation): void => {
  for (const link of network.links) if (link.room === bucketRoom(chat.ref, 0)) link.acknowledgeAll()
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

  it('applies received messages, edits and deletions without reading its pages again', async () => {
    const { adaSide, bobSide } = await openPair()
    await adaSide.send('first')
    const view = new ConversationView(bobSide)
    await vi.waitFor(() => expect(contents(view)).toEqual(['first']))
    const reads = vi.spyOn(bobSide, 'history')
    const shown = renders(() => contents(view))

    const hello = await adaSide.send('hello')
    await vi.waitFor(() => expect(contents(view)).toEqual(['first', 'hello']))
    await adaSide.edit(hello.message_id, 'hello, Bob')
    await vi.waitFor(() => expect(contents(view)).toEqual(['first', 'hello, Bob']))
    await adaSide.delete(hello.message_id)
    await vi.waitFor(() => expect(view.messages[1]!.deleted_at).not.toBeNull())
    expect(shown).toContainEqual(['first', 'hello, Bob'])
    expect(view.isPending(hello.message_id)).toBe(false)
    expect(reads).not.toHaveBeenCalled()
  })

  it('shows a received message at the newest end of a full window, and keeps the window bounded', async () => {
    const { adaSide, bobSide } = await openPair()
    await sendMany(adaSide, MAX_KEPT)
    const view = new ConversationView(bobSide)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    while (view.hasOlder) await view.loadOlder()
    expect(view.messages).toHaveLength(MAX_KEPT)

    await sendMany(adaSide, 2 * PAGE_SIZE)
    await vi.waitFor(() => expect(contents(view).at(-1)).toBe(`message ${2 * PAGE_SIZE - 1}`))
    expect(view.messages).toHaveLength(MAX_KEPT + 2 * PAGE_SIZE)
    view.keepNewest()
    await vi.waitFor(() => expect(view.messages.length).toBeLessThanOrEqual(MAX_KEPT))
    expect(view.live).toBe(true)
    expect(view.hasOlder).toBe(true)
  })

  it('marks one\'s message pending until the relay confirms it, then re-renders it confirmed', async () => {
    const { adaSide, adaNetwork } = await openPair()
    const view = new ConversationView(adaSide)
    await vi.waitFor(() => expect(view.loaded).toBe(true))
    await view.send('hello')
    await vi.waitFor(() => expect(contents(view)).toEqual(['hello']))
    const id = view.messages[0]!.message_id
    await vi.waitFor(() => expect(adaSide.isPending(id)).toBe(true))
    const pending = renders(() => view.isPending(id))
    expect(pending).toEqual([true])

    acknowledge(adaNetwork, adaSide)
    await vi.waitFor(() => expect(pending).toEqual([true, false]))
    expect(adaSide.isPending(id)).toBe(false)
  })

  it('ignores read marks and typing once closed (a click racing a switch of conversation)', async () => {
    const chat = await openChat()
    const view = new ConversationView(chat)
    await view.close()
    expect(() => { view.markRead(); view.setTyping(true) }).not.toThrow()
  })
})
