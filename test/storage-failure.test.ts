// A failing store is reported (log, /healthz), nothing unwritten is forwarded, nothing is lost once it recovers, and a damaged one stops the relay.
import { execFile } from 'node:child_process'
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LeveldbStore } from '../relay/storage/leveldb-store'
import { MemoryStore } from '../relay/storage/memory-store'
import { StorageError, type RoomStore } from '../relay/storage/store'
import { createIdentity, type Identity } from '../shared/identity'
import { bucketRoom, conversationRoom, directConversation } from '../shared/protocol'
import { Fixture, contents, countAtFirstSync, sendConfirmed, waitFor } from './helpers'
import { spawnRelay } from './relay-process'

const fixture = new Fixture()
afterEach(() => fixture.cleanup())

/** A memory store whose appends fail while `failing` is set. */
const flakyStore = () => {
  const memory = new MemoryStore()
  const store: RoomStore & { failing: boolean } = {
    failing: false,
    load: room => memory.load(room),
    append: async (room, update) => {
      if (store.failing) throw new StorageError('write-failed', 'disk full (simulated)')
      await memory.append(room, update)
    },
    compact: room => memory.compact(room),
    readRecords: prefix => memory.readRecords(prefix),
    writeRecords: async records => {
      if (store.failing) throw new StorageError('write-failed', 'disk full (simulated)')
      await memory.writeRecords(records)
    },
    close: () => memory.close()
  }
  return store
}

describe('storage failure', () => {
  it('is reported, forwards nothing unwritten, and delivers everything once writes work again', async () => {
    const store = flakyStore()
    const relay = await fixture.relay({ store })
    const ada = await fixture.client(relay, 'Ada')
    const bob = await fixture.client(relay, 'Bob')
    const adaSide = await ada.openDirect(bob.me.user_id)
    const bobSide = await bob.openDirect(ada.me.user_id)
    const before = await adaSide.send('before the failure')
    await waitFor('delivered', async () => (await contents(bobSide)).length === 1 && !adaSide.isPending(before.message_id))

    store.failing = true
    const during = await adaSide.send('during the failure')
    await waitFor('the relay logs the failure', () => relay.log.some(line => line.includes('storage-write-failed')))
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'storage-failing', storage: { ok: false, lastError: { message: /disk full/ } } })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(adaSide.isPending(during.message_id)).toBe(true)
    expect(await contents(bobSide)).toEqual(['before the failure'])

    store.failing = false
    await waitFor('delivered after recovery', async () => (await contents(bobSide)).join() === 'before the failure,during the failure', 8000)
    await waitFor('confirmed after recovery', () => !adaSide.isPending(during.message_id))
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
  })

  it('reports a room whose stored updates cannot be read', async () => {
    const [adaIdentity, bobIdentity] = await Promise.all([createIdentity(), createIdentity()])
    const room = conversationRoom(directConversation(adaIdentity.user_id, bobIdentity.user_id))
    const relay = await fixture.relay({ store: new MemoryStore(new Map([[room, Uint8Array.of(1, 200, 200, 200)]])) })
    const ada = await fixture.client(relay, 'Ada', { identity: adaIdentity })
    await ada.openDirect(bobIdentity.user_id)
    await waitFor('the relay logs the unreadable room', () => relay.log.some(line => line.includes('room-unreadable') && line.includes(room)))
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'storage-failing', storage: { ok: false, lastError: { message: expect.stringContaining(room) } } })
  })
})

/** LevelDB's write-ahead logs in `dataDir` (numbered `.log` files; `LOG` is its own diary). */
const writeAheadLogs = async (dataDir: string): Promise<string[]> =>
  (await readdir(dataDir)).filter(name => /^\d+\.log$/.test(name))

/** Flips 8 bytes in the middle of `file`, as a bad disk sector or a stray write would. */
const damageMiddle = async (file: string): Promise<void> => {
  const bytes = await readFile(file)
  const middle = Math.floor(bytes.length / 2)
  for (let i = middle; i < middle + 8; i++) bytes[i] = bytes[i]! ^ 0xff
  await writeFile(file, bytes)
}

const REPAIR = fileURLToPath(new URL('../relay/repair.ts', import.meta.url))

/** Runs `npm run repair` on `dataDir`: its exit code and everything it printed. */
const runRepair = (dataDir: string): Promise<{ code: number; output: string }> =>
  new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', REPAIR, '--data-dir', dataDir], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr })
    })
  })

describe('a damaged data directory', () => {
  const MESSAGES = 200
  const setup = new Fixture()
  let written: string
  let ada: Identity
  let bob: Identity
  let room: string

  // Once for the tests below: 200 messages written through a relay into LevelDB, still in its write-ahead log.
  beforeAll(async () => {
    written = await setup.tempDir()
    const writing = new Fixture()
    try {
      const relay = await writing.relay({ dataDir: written })
      const adaClient = await writing.client(relay, 'Ada')
      bob = await createIdentity()
      const adaSide = await adaClient.openDirect(bob.user_id)
      await sendConfirmed(adaSide, Array.from({ length: MESSAGES }, (_, i) => `message ${i} `.padEnd(200, '.')))
      ada = adaClient.me
    } finally {
      await writing.cleanup()
    }
    room = bucketRoom(directConversation(ada.user_id, bob.user_id), 0)
  }, 60_000)
  afterAll(() => setup.cleanup())

  const copyOfWritten = async (): Promise<string> => {
    const copy = join(await fixture.tempDir(), 'data')
    await cp(written, copy, { recursive: true })
    return copy
  }

  it('starts with every message when it is intact (the control)', { timeout: 60_000 }, async () => {
    const dataDir = await copyOfWritten()
    const [log] = await writeAheadLogs(dataDir)
    expect((await readFile(join(dataDir, log!))).length).toBeGreaterThan(3 * 32 * 1024)
    const relay = await spawnRelay({ dataDir })
    fixture.defer(() => relay.stop())
    expect(await countAtFirstSync(relay.wsUrl, room, bob)).toBe(MESSAGES)
    expect(await (await fetch(`${relay.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
  })

  it('refuses to start when its write-ahead log is damaged, saying where and what to do, rather than drop messages without a word', { timeout: 60_000 }, async () => {
    const dataDir = await copyOfWritten()
    const [log] = await writeAheadLogs(dataDir)
    await damageMiddle(join(dataDir, log!))
    const started = spawnRelay({ dataDir })
    started.then(relay => fixture.defer(() => relay.stop()), () => {})
    const refusal = await started.then(() => 'started', (error: Error) => error.message)
    expect(refusal).toMatch(/relay exited early/)
    expect(refusal).toContain(log)
    expect(refusal).toMatch(/checksum/)
    expect(refusal).toContain('npm run repair')
  })

  it('after a repair, starts on what could be saved and reports in /healthz what it had to leave out', { timeout: 60_000 }, async () => {
    const dataDir = await copyOfWritten()
    const [log] = await writeAheadLogs(dataDir)
    await damageMiddle(join(dataDir, log!))
    const repair = await runRepair(dataDir)
    expect(repair.code, repair.output).toBe(0)
    expect(repair.output).toMatch(/dropped \d+ bytes/)
    expect((await readdir(join(dataDir, '..'))).some(name => name.startsWith('data.before-repair-'))).toBe(true)

    const relay = await spawnRelay({ dataDir })
    fixture.defer(() => relay.stop())
    const kept = await countAtFirstSync(relay.wsUrl, room, bob)
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(MESSAGES)
    const health = await (await fetch(`${relay.url}/healthz`)).json()
    expect(health).toMatchObject({ status: 'degraded', storage: { skipped: expect.arrayContaining([expect.objectContaining({ room })]) } })
  })

  it('refuses to start when its CURRENT file is gone, rather than start an empty database', async () => {
    const dataDir = await copyOfWritten()
    await rm(join(dataDir, 'CURRENT'))
    const error = await LeveldbStore.open(dataDir).then(store => store.close().then(() => null), (caught: unknown) => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ reason: 'corrupt', message: expect.stringMatching(/no CURRENT file[^]*npm run repair/) })
  })

  it('starts fresh on an absent or empty data directory, or one holding only the invitation secret', async () => {
    const parent = await fixture.tempDir()
    await writeFile(join(parent, 'invite-secret'), 'x')
    for (const dataDir of [join(parent, 'absent'), await fixture.tempDir(), parent]) {
      const store = await LeveldbStore.open(dataDir)
      expect(await store.load('room')).toEqual([])
      await store.close()
    }
  })
})
