// The newest open wins: conversations opened by overtaken requests are closed, never shown; over real offline clients.
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, type Conversation, type ParleyClient } from '../../client'
import { openOfflineClient } from '../../client/testing/offline-testing'
import { LatestOpen, type OpenOutcome } from './latest-open'

const clients: ParleyClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(client => client.close()))
})

/** Opens a direct conversation with someone new once `release` is called (a slow open), keeping what it opened. */
const slowOpen = async () => {
  const { client } = await openOfflineClient()
  clients.push(client)
  const other = (await createIdentity()).user_id
  let release!: () => void
  const released = new Promise<void>(resolve => { release = resolve })
  const slow = {
    client,
    release,
    conversation: null as Conversation | null,
    open: async (): Promise<Conversation> => {
      await released
      slow.conversation = await client.openDirect(other)
      return slow.conversation
    }
  }
  return slow
}

/** What an open told: the conversations shown and the failures reported. */
const recorder = () => {
  const told = { opened: [] as Conversation[], failed: [] as unknown[] }
  const outcome: OpenOutcome<Conversation> = {
    opened: value => { told.opened.push(value) },
    failed: error => { told.failed.push(error) }
  }
  return { told, outcome }
}

/** Whether `conversation` was closed: a closed one refuses to send. */
const isClosed = async (conversation: Conversation): Promise<boolean> =>
  conversation.send('still open?').then(() => false, () => true)

describe('LatestOpen', () => {
  it('shows what a single open opened', async () => {
    const slow = await slowOpen()
    const { told, outcome } = recorder()
    const opening = new LatestOpen().open(slow.open, outcome)
    slow.release()
    await opening
    expect(told.opened).toEqual([slow.conversation])
    expect(await isClosed(slow.conversation!)).toBe(false)
  })

  it('closes what a slow open opened once a newer open overtook it, and shows the newer', async () => {
    const opens = new LatestOpen()
    const slow = await slowOpen()
    const quick = await slowOpen()
    const older = recorder()
    const newer = recorder()
    const first = opens.open(slow.open, older.outcome)
    const second = opens.open(quick.open, newer.outcome)
    quick.release()
    await second
    slow.release()
    await first
    expect(newer.told.opened).toEqual([quick.conversation])
    expect(older.told).toEqual({ opened: [], failed: [] })
    expect(await isClosed(slow.conversation!)).toBe(true)
    expect(await isClosed(quick.conversation!)).toBe(false)
  })

  it('closes what was opened after cancel()', async () => {
    const opens = new LatestOpen()
    const slow = await slowOpen()
    const { told, outcome } = recorder()
    const opening = opens.open(slow.open, outcome)
    opens.cancel()
    slow.release()
    await opening
    expect(told).toEqual({ opened: [], failed: [] })
    expect(await isClosed(slow.conversation!)).toBe(true)
  })

  it('reports the newest open\'s failure', async () => {
    const { client } = await openOfflineClient()
    clients.push(client)
    const { told, outcome } = recorder()
    await new LatestOpen().open(() => client.openDirect(client.me.user_id), outcome)
    expect(told.opened).toEqual([])
    expect(String(told.failed[0])).toContain('a direct conversation needs another user')
  })

  it('keeps quiet about an overtaken open\'s failure', async () => {
    const opens = new LatestOpen()
    const failing = await slowOpen()
    const quick = await slowOpen()
    const older = recorder()
    const failed = opens.open(async () => {
      await failing.open()
      return failing.client.openDirect(failing.client.me.user_id)
    }, older.outcome)
    const newer = recorder()
    const opening = opens.open(quick.open, newer.outcome)
    quick.release()
    await opening
    failing.release()
    await failed
    expect(newer.told.opened).toEqual([quick.conversation])
    expect(older.told).toEqual({ opened: [], failed: [] })
  })
})
