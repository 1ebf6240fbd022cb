// Reading a conversation's history in turn: order, coalesced bursts, failures and closing, over a real offline client.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdentity, type Conversation, type ParleyClient } from '../../client'
import { openOfflineClient } from '../../client/testing/offline-testing'
import { ReadQueue } from './read-queue'

const clients: ParleyClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(client => client.close()))
})

const openChat = async (): Promise<Conversation> => {
  const { client } = await openOfflineClient()
  clients.push(client)
  return client.openDirect((await createIdentity()).user_id)
}

const newest = async (chat: Conversation): Promise<string[]> =>
  (await chat.history({ limit: 100 })).messages.map(message => message.content)

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('ReadQueue', () => {
  it('runs reads one after another, in the order queued, however long each takes', async () => {
    const chat = await openChat()
    await chat.send('hello')
    const queue = new ReadQueue(error => { throw error })
    const finished: string[] = []
    const slow = queue.run(async () => { await sleep(30); finished.push(`slow ${(await newest(chat)).length}`) })
    const quick = queue.run(async () => { finished.push(`quick ${(await newest(chat)).length}`) })
    await Promise.all([slow, quick])
    expect(finished).toEqual(['slow 1', 'quick 1'])
  })

  it('reads a burst of changes in far fewer reads than changes, the last one seeing them all', async () => {
    const chat = await openChat()
    const queue = new ReadQueue(error => { throw error })
    let reads = 0
    let shown: string[] = []
    let changes = 0
    const unsubscribe = chat.subscribe(() => {
      changes++
      queue.schedule(async () => { reads++; shown = await newest(chat) })
    })
    await Promise.all(Array.from({ length: 20 }, (_, i) => chat.send(`message ${i}`)))
    await vi.waitFor(() => expect(shown).toHaveLength(20))
    await queue.run(() => {})
    unsubscribe()
    expect(changes).toBeGreaterThanOrEqual(20)
    expect(reads).toBeLessThan(changes / 2)
  })

  it('logs a failed read unless told otherwise', async () => {
    const chat = await openChat()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    await chat.close()
    await new ReadQueue().run(() => newest(chat))
    expect(logged).toHaveBeenCalledExactlyOnceWith('parley: reading the conversation failed', expect.any(Error))
    logged.mockRestore()
  })

  it('tells of a failed read and goes on with the next', async () => {
    const chat = await openChat()
    const errors: unknown[] = []
    const queue = new ReadQueue(error => errors.push(error))
    await chat.close()
    await queue.run(() => newest(chat))
    let after = false
    await queue.run(() => { after = true })
    expect(String(errors[0])).toContain('the conversation was closed')
    expect(after).toBe(true)
  })

  it('once closed, skips what is queued and keeps quiet about failures under way', async () => {
    const chat = await openChat()
    const errors: unknown[] = []
    const queue = new ReadQueue(error => errors.push(error))
    let skippedRan = false
    let chatClosed!: () => void
    const closing = new Promise<void>(resolve => { chatClosed = resolve })
    // Under way when the queue closes, and failing after: its conversation went with it.
    let started!: () => void
    const starting = new Promise<void>(resolve => { started = resolve })
    const underWay = queue.run(async () => {
      started()
      await closing
      return newest(chat)
    })
    const skipped = queue.run(() => { skippedRan = true })
    await starting
    queue.close()
    await chat.close()
    chatClosed()
    await Promise.all([underWay, skipped])
    expect(skippedRan).toBe(false)
    expect(errors).toEqual([])
  })
})
