// The registry lets go of every room nobody is in (one whose document could not be read back too), and only of that room.
import * as syncProtocol from 'y-protocols/sync'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MessageType, encodeMessage } from '../shared/protocol'
import { waitFor } from '../test/helpers'
import { memoryLogger } from './log'
import type { Peer } from './room'
import { RoomRegistry } from './rooms'
import { MemoryStore } from './storage/memory-store'

const EVE = 'E'.repeat(22)
const ROOM = `user/${EVE}`

const quietPeer = (): Peer => ({ send: () => {}, awarenessClients: new Set(), user_id: EVE, revoke: () => {} })

/** A store whose reads or writes can be made to fail, as a disk that has gone away would. */
class FlakyStore extends MemoryStore {
  failLoads = false
  failAppends = false
  override async load (room: string): Promise<readonly Uint8Array[]> {
    if (this.failLoads) throw new Error('disk gone')
    return super.load(room)
  }

  override async append (room: string, update: Uint8Array): Promise<void> {
    if (this.failAppends) throw new Error('disk full')
    return super.append(room, update)
  }
}

/** A store whose compactions and reads wait until let go, so a test can join in the middle of an unload. */
class GatedStore extends MemoryStore {
  compacting: Promise<void> | null = null
  loading: Promise<void> | null = null
  private openCompaction: () => void = () => {}
  private openLoad: () => void = () => {}
  /** Resolves once a compaction has started (and is held). */
  readonly compactionStarted: Promise<void>
  private started: () => void = () => {}

  constructor () {
    super()
    this.compactionStarted = new Promise(resolve => { this.started = resolve })
  }

  hold (): void {
    this.compacting = new Promise(resolve => { this.openCompaction = resolve })
    this.loading = new Promise(resolve => { this.openLoad = resolve })
  }

  letCompactionGo (): void { this.openCompaction() }
  letLoadGo (): void { this.openLoad() }

  override async compact (room: string): Promise<void> {
    this.started()
    await this.compacting
    return super.compact(room)
  }

  override async load (room: string): Promise<readonly Uint8Array[]> {
    await this.loading
    return super.load(room)
  }
}

/** A sync message writing one read mark into Eve's own room. */
const readMarkMessage = (): Uint8Array => {
  const doc = new Y.Doc()
  doc.getMap('reads').set(`dm/${'A'.repeat(22)}/${'B'.repeat(22)}`, { counts: {} })
  const update = Y.encodeStateAsUpdate(doc)
  return encodeMessage(MessageType.sync, encoder => syncProtocol.writeUpdate(encoder, update))
}

describe('RoomRegistry', () => {
  let registry: RoomRegistry | null = null
  afterEach(async () => { await registry?.close() })

  it('unloads a room once its last peer leaves', async () => {
    registry = new RoomRegistry({ store: new MemoryStore(), log: memoryLogger(), idleUnloadMs: 20, onStorageFailure: () => {} })
    const peer = quietPeer()
    const room = await registry.join(ROOM, peer)
    expect(registry.size).toBe(1)
    registry.leave(room, peer)
    await waitFor('the room is unloaded', () => registry!.size === 0)
  })

  it('still unloads a resting room nobody is in when a join could not wake it', async () => {
    const store = new FlakyStore()
    registry = new RoomRegistry({ store, log: memoryLogger(), idleUnloadMs: 100, docRestMs: 20, onStorageFailure: () => {} })
    const first = quietPeer()
    const room = await registry.join(ROOM, first)
    await waitFor('the room rests', () => room.resting)
    registry.leave(room, first)
    // A join before the room unloads, whose read of the document fails.
    store.failLoads = true
    await expect(registry.join(ROOM, quietPeer())).rejects.toThrow('disk gone')
    await waitFor('the room is unloaded', () => registry!.size === 0)
  })

  it('a peer leaving a room dropped for a failed write leaves the room loaded in its place alone', async () => {
    const store = new FlakyStore()
    let dropped: (() => void) | null = null
    const wasDropped = new Promise<void>(resolve => { dropped = resolve })
    registry = new RoomRegistry({ store, log: memoryLogger(), idleUnloadMs: 20, onStorageFailure: () => dropped!() })
    const old = quietPeer()
    const failed = await registry.join(ROOM, old)
    store.failAppends = true
    failed.receive(old, readMarkMessage())
    await wasDropped
    store.failAppends = false
    // Someone joins the room afresh before the old peer's socket has closed.
    const newcomer = quietPeer()
    await registry.join(ROOM, newcomer)
    registry.leave(failed, old)
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(registry.size).toBe(1)
    expect(registry.peersOf(ROOM).has(newcomer)).toBe(true)
  })

  it('keeps a resting room for a join that wakes it while the room is being unloaded', async () => {
    const store = new GatedStore()
    registry = new RoomRegistry({ store, log: memoryLogger(), idleUnloadMs: 20, docRestMs: 20, onStorageFailure: () => {} })
    const first = quietPeer()
    const room = await registry.join(ROOM, first)
    await waitFor('the room rests', () => room.resting)
    store.hold()
    registry.leave(room, first)
    // The unload is compacting the room when someone joins; the join is waking the room when the compaction ends.
    await store.compactionStarted
    const newcomer = quietPeer()
    const joining = registry.join(ROOM, newcomer)
    store.letCompactionGo()
    await new Promise(resolve => setTimeout(resolve, 20))
    store.letLoadGo()
    expect(await joining).toBe(room)
    expect(registry.peersOf(ROOM).has(newcomer)).toBe(true)
    expect(room.resting).toBe(false)
  })
})
