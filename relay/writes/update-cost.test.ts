// Crafted update bombs are refused for their reason; honest updates pass and leave Yjs nothing pending.
/*
 * What the bombs cost Yjs 13.6.33 without the check (CPU time, Node 20, this 2-core machine, one run each):
 * - Huge lengths (GC, ContentDeleted, Skip, a delete range of 2^50; 13–22 bytes): no measurable CPU (≤ 2 ms on an
 *   empty doc, ≤ 15 ms on a 100k-struct doc). Refused anyway: they push clocks toward 2^53, where clock arithmetic
 *   stops being exact, and Skips and gaps leave state pending.
 * - Missing dependencies (15-byte item whose origin the relay lacks): Yjs keeps it pending and re-merges all pending
 *   state on each new one: 1,000 cost 1.9–2.3 s in all (the 1,000th ~31 ms), 3,000 cost 16.8 s; each later update
 *   from the awaited client re-applies all of it (~35–100 ms), and every newcomer's sync step 2 ships it (~26 KB).
 * - Pending delete set (ranges of a client the relay lacks): re-applied on every later update: 100k ranges (392 KB)
 *   add 13–83 ms to each later one-key update.
 * - Dependency cycle (every origin inside the update, in a ring): quadratic: 1,000 items (11 KB) 60 ms, 8,000 items
 *   (88 KB) 814 ms, and all of it stays pending.
 * - Chained ContentAny/ContentJSON items (each origin the previous item): merged by Array#concat, quadratic:
 *   2,500 items (17 KB) 254 ms, 5,000 (35 KB) 718 ms, 10,000 (70 KB) 2.2 s. ContentString/Deleted chains are linear.
 * - Subdocuments: 20,000 ContentDoc items (144 KB) 926 ms and 47 MB of heap; Y.decodeUpdate alone 554 ms.
 * - Not caught here (needs the document, not its state vector): an origin-less write to a map key with a long
 *   history makes Yjs walk that history: 18 bytes cost 95–112 ms against 100k earlier values, 130 bytes (8 writes)
 *   485 ms. Likewise a delete range over a whole client re-walks its structs (13 bytes, 4–53 ms on 100k structs).
 *   The relay's CPU budget per connection has to catch those.
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { checkUpdateCost, DEFAULT_UPDATE_COST_LIMITS, type UpdateCostReason } from './update-cost'

const HUGE = 2 ** 50
const ROOT = 'm'

/** Writes a v1 update by hand: `write` fills in the structs, then an empty delete set unless `deletes` writes one. */
const craft = (write: (encoder: encoding.Encoder) => void, deletes?: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  write(encoder)
  if (deletes) deletes(encoder)
  else encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}
const uint = encoding.writeVarUint
const text = encoding.writeVarString
const byte = encoding.writeUint8
/** One client's run header: how many structs, whose, from which clock. */
const run = (encoder: encoding.Encoder, count: number, client: number, clock: number): void => {
  uint(encoder, count); uint(encoder, client); uint(encoder, clock)
}
/** An item holding the integer 1, in root map `root` (`m`) under `key`, with no origin. */
const mapEntry = (encoder: encoding.Encoder, key = 'k', root = ROOT): void => {
  byte(encoder, 8 | 32); uint(encoder, 1); text(encoder, root); text(encoder, key); uint(encoder, 1); byte(encoder, 125); byte(encoder, 1)
}
/** An item holding the integer 1 after `origin`, in the same parent. */
const after = (encoder: encoding.Encoder, originClient: number, originClock: number): void => {
  byte(encoder, 8 | 128); uint(encoder, originClient); uint(encoder, originClock); uint(encoder, 1); byte(encoder, 125); byte(encoder, 1)
}

const stateOf = (doc: Y.Doc) => ({ stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)) })
const emptyState = { stateVector: new Map<number, number>() }

/** A relay document holding 1,000 map values from client 7. */
const relayDoc = (): Y.Doc => {
  const writer = new Y.Doc()
  writer.clientID = 7
  for (let i = 0; i < 1000; i++) writer.getMap(ROOT).set(`k${i % 50}`, i)
  const relay = new Y.Doc()
  Y.applyUpdate(relay, Y.encodeStateAsUpdate(writer))
  return relay
}

/** Asserts the check passes `update`, and that Yjs then applies all of it, leaving nothing pending. */
const expectHonest = (relay: Y.Doc, update: Uint8Array): void => {
  expect(checkUpdateCost(update, stateOf(relay), { maxStructs: 100_000, allowGcStructs: true })).toMatchObject({ ok: true })
  Y.applyUpdate(relay, update)
  expect(relay.store.pendingStructs).toBeNull()
  expect(relay.store.pendingDs).toBeNull()
}

describe('checkUpdateCost refuses', () => {
  const relay = relayDoc()
  const bombs: Array<[string, UpdateCostReason, Uint8Array]> = [
    ['a GC struct of length 2^50', 'clock-overflow', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 0); uint(e, HUGE) })],
    ['a ContentDeleted item of length 2^50', 'clock-overflow',
      craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 1 | 32); uint(e, 1); text(e, ROOT); text(e, 'k'); uint(e, HUGE) })],
    ['an item at clock 2^50', 'clock-overflow', craft(e => { uint(e, 1); run(e, 1, 1001, HUGE); mapEntry(e) })],
    ['a delete range of length 2^50', 'clock-overflow', craft(e => uint(e, 0), e => { uint(e, 1); uint(e, 7); uint(e, 1); uint(e, 0); uint(e, HUGE) })],
    ['a Skip struct', 'skip', craft(e => { uint(e, 1); run(e, 2, 1001, 0); byte(e, 10); uint(e, 5); mapEntry(e) })],
    ['an item after a clock gap', 'missing-dependencies', craft(e => { uint(e, 1); run(e, 1, 7, 1005); mapEntry(e) })],
    ['an item from an unknown client not starting at 0', 'missing-dependencies', craft(e => { uint(e, 1); run(e, 1, 1001, 3); mapEntry(e) })],
    ['an item whose origin the relay lacks', 'missing-dependencies', craft(e => { uint(e, 1); run(e, 1, 1001, 0); after(e, 7, 5000) })],
    ['an item whose parent the relay lacks', 'missing-dependencies',
      craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 8); uint(e, 0); uint(e, 999); uint(e, 0); uint(e, 1); byte(e, 125); byte(e, 1) })],
    ['deletions the relay cannot apply yet', 'missing-dependencies', craft(e => uint(e, 0), e => { uint(e, 1); uint(e, 1002); uint(e, 1); uint(e, 0); uint(e, 1) })],
    ['deletions past the relay\'s clock', 'missing-dependencies', craft(e => uint(e, 0), e => { uint(e, 1); uint(e, 7); uint(e, 1); uint(e, 990); uint(e, 20) })],
    ['many pending delete ranges', 'missing-dependencies',
      craft(e => uint(e, 0), e => { uint(e, 1); uint(e, 1002); uint(e, 1000); for (let i = 0; i < 1000; i++) { uint(e, 2 * i); uint(e, 1) } })],
    ['a cycle of origins', 'dependency-cycle',
      craft(e => { uint(e, 100); for (let i = 0; i < 100; i++) { run(e, 1, 2000 + i, 0); after(e, 2000 + (i + 1) % 100, 0) } })],
    ['2,000 chained ContentAny items', 'merge-cost',
      craft(e => { uint(e, 1); run(e, 2001, 1001, 0); mapEntry(e); for (let i = 0; i < 2000; i++) after(e, 1001, i) })],
    ['2,000 chained ContentJSON items', 'merge-cost', craft(e => {
      uint(e, 1); run(e, 2001, 1001, 0)
      byte(e, 2); uint(e, 1); text(e, 'a'); uint(e, 1); text(e, '1')
      for (let i = 0; i < 2000; i++) { byte(e, 2 | 128); uint(e, 1001); uint(e, i); uint(e, 1); text(e, '1') }
    })],
    ['a GC struct, which no Parley client sends', 'gc-struct', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 0); uint(e, 1) })],
    ['a subdocument', 'subdocument', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 9); uint(e, 1); text(e, 'a'); text(e, 'guid'); byte(e, 118); uint(e, 0) })],
    ['a run claiming 2^32 - 1 structs', 'too-many-structs', craft(e => { uint(e, 1); run(e, 2 ** 32 - 1, 1001, 0); byte(e, 0); uint(e, 1) })],
    ['two runs of 5,001 structs, refused from their headers', 'too-many-structs', craft(e => {
      uint(e, 2); run(e, 5001, 1001, 0); for (let i = 0; i < 5001; i++) mapEntry(e); run(e, 5001, 1002, 0)
    })],
    ['a truncated update', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 8 | 32); uint(e, 1); text(e, ROOT) }).slice(0, -1)],
    ['trailing bytes', 'malformed', new Uint8Array([...craft(e => { uint(e, 1); run(e, 1, 1001, 0); mapEntry(e) }), 0])],
    ['a client run given twice', 'malformed', craft(e => { uint(e, 2); run(e, 1, 1001, 0); mapEntry(e); run(e, 1, 1001, 1); mapEntry(e) })],
    ['a run with no structs', 'malformed', craft(e => { uint(e, 1); run(e, 0, 1001, 0) })],
    ['an origin later than the item itself', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); after(e, 1001, 4) })],
    ['an empty struct', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 0); uint(e, 0) })],
    ['an unknown content type', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 11 | 128); uint(e, 7); uint(e, 0) })],
    ['an unknown type reference', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 7); uint(e, 1); text(e, 'a'); uint(e, 7) })],
    ['an unknown value tag', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 8); uint(e, 1); text(e, 'a'); uint(e, 1); byte(e, 100) })],
    ['a value array claiming 2^50 entries', 'malformed', craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 8); uint(e, 1); text(e, 'a'); uint(e, 1); byte(e, 117); uint(e, HUGE) })]
  ]
  for (const [name, reason, update] of bombs) {
    it(`${name} (${update.length} bytes) as ${reason}`, () => {
      expect(checkUpdateCost(update, stateOf(relay))).toMatchObject({ ok: false, reason })
    })
  }

  it('each of a thousand 15-byte updates waiting on the same missing origin', () => {
    for (let i = 0; i < 1000; i++) {
      const update = craft(e => { uint(e, 1); run(e, 1, 100_000 + i, 0); after(e, 7, 1_000_000) })
      expect(checkUpdateCost(update, stateOf(relay))).toMatchObject({ ok: false, reason: 'missing-dependencies' })
    }
  })

  it('only what its limits forbid', () => {
    const subdocument = craft(e => { uint(e, 1); run(e, 1, 1001, 0); byte(e, 9); uint(e, 1); text(e, 'a'); text(e, 'guid'); byte(e, 118); uint(e, 0) })
    expect(checkUpdateCost(subdocument, emptyState, { allowSubdocuments: true })).toEqual({ ok: true, structs: 1, deletes: 0, from: new Map([[1001, 0]]) })
    const chain = craft(e => { uint(e, 1); run(e, 501, 1001, 0); mapEntry(e); for (let i = 0; i < 500; i++) after(e, 1001, i) })
    expect(checkUpdateCost(chain, emptyState)).toEqual({ ok: false, reason: 'merge-cost' })
    expect(checkUpdateCost(chain, emptyState, { maxMergeCopies: 200_000 })).toMatchObject({ ok: true })
    expect(checkUpdateCost(craft(e => { uint(e, 1); run(e, 1, 1001, 2 ** 30); mapEntry(e) }), { stateVector: new Map([[1001, 2 ** 30]]) }, { maxClock: 2 ** 30 }))
      .toEqual({ ok: false, reason: 'clock-overflow' })
    expect(DEFAULT_UPDATE_COST_LIMITS.maxClock).toBeLessThan(Number.MAX_SAFE_INTEGER)
  })

  it('a struct naming a root the room does not have, even one the relay already holds', () => {
    const roots = new Set([ROOT])
    const other = craft(e => { uint(e, 1); run(e, 1, 1001, 0); mapEntry(e, 'k', 'elsewhere') })
    expect(checkUpdateCost(other, emptyState, { roots })).toEqual({ ok: false, reason: 'unknown-root' })
    expect(checkUpdateCost(other, { stateVector: new Map([[1001, 1]]) }, { roots })).toEqual({ ok: false, reason: 'unknown-root' })
    expect(checkUpdateCost(craft(e => { uint(e, 1); run(e, 1, 1001, 0); mapEntry(e) }), emptyState, { roots })).toMatchObject({ ok: true })
  })
})

describe('checkUpdateCost passes honest updates', () => {
  it('a fresh client setting a JSON value in a map', () => {
    const client = new Y.Doc()
    client.getMap('messages').set('m1', { text: 'hello', at: '2025-01-01T00:00:00Z', tags: ['a', 1, null, true] })
    expectHonest(new Y.Doc(), Y.encodeStateAsUpdate(client))
    expectHonest(relayDoc(), Y.encodeStateAsUpdate(client))
  })

  it('a sync step 2 of a document with 100k replaced map values, whatever the relay already holds', () => {
    const client = new Y.Doc()
    const map = client.getMap(ROOT)
    for (let i = 0; i < 50_000; i++) map.set('status', i) // replaced in a row: one long ContentDeleted run
    for (let i = 0; i < 50_000; i++) map.set(`k${i % 100}`, { i }) // replaced round robin: many short ones
    const nested = new Y.Array<number>()
    map.set('nested', nested)
    nested.push(Array.from({ length: 10_000 }, (_, i) => i))
    map.delete('nested') // its content becomes one GC run
    const update = Y.encodeStateAsUpdate(client)
    expect(Math.max(...Y.decodeUpdate(update).structs.map(struct => struct.length))).toBeGreaterThanOrEqual(10_000)
    // NOTE: its ~50,000 structs are past the relay's default cap (a relay restoring lost rooms from
    // clients raises it, --max-structs-per-update); here the check's own cost is what is tested.
    expect(checkUpdateCost(update, emptyState)).toEqual({ ok: false, reason: 'too-many-structs' })
    expectHonest(new Y.Doc(), update)

    const relay = new Y.Doc()
    Y.applyUpdate(relay, update.slice(0)) // relay holds it all: the answer is nearly empty
    expectHonest(relay, Y.encodeStateAsUpdate(client, Y.encodeStateVector(relay)))
  })

  it('a client\'s update when the relay already holds part of its history', () => {
    const client = new Y.Doc()
    const relay = new Y.Doc()
    for (let i = 0; i < 200; i++) client.getMap(ROOT).set(`k${i % 20}`, i)
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(client))
    for (let i = 0; i < 200; i++) client.getMap(ROOT).set(`k${i % 30}`, -i)
    client.getMap(ROOT).delete('k3')
    expectHonest(relay, Y.encodeStateAsUpdate(client, Y.encodeStateVector(relay)))
    client.getMap(ROOT).set('late', 1)
    expectHonest(relay, Y.encodeStateAsUpdate(client)) // overlaps what the relay holds
  })

  it('a live view of the relay\'s clocks as well as a state vector', () => {
    const relay = relayDoc()
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(relay))
    client.getMap(ROOT).set('k1', 'edited')
    const update = Y.encodeStateAsUpdate(client, Y.encodeStateVector(relay))
    expect(checkUpdateCost(update, { stateVector: { get: client => Y.getState(relay.store, client) } })).toMatchObject({ ok: true, structs: 1 })
  })

  it('but not an edit made offline that arrives before its earlier history (the relay may hold it and wait)', () => {
    const client = new Y.Doc()
    const relay = new Y.Doc()
    client.getMap(ROOT).set('a', 1)
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(client))
    client.getMap(ROOT).set('b', 2) // never reached the relay
    const before = Y.encodeStateVector(client)
    client.getMap(ROOT).set('c', 3)
    const latest = Y.encodeStateAsUpdate(client, before)
    expect(checkUpdateCost(latest, stateOf(relay))).toMatchObject({ ok: false, reason: 'missing-dependencies' })
    expectHonest(relay, Y.encodeStateAsUpdate(client, Y.encodeStateVector(relay))) // its sync step 2 fills the gap
    expectHonest(relay, latest)
  })

  it('merged updates of contiguous transactions, even chained ones below the merge limit', () => {
    const client = new Y.Doc()
    const updates: Uint8Array[] = []
    client.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < 1000; i++) client.getMap(ROOT).set('status', i) // one key, chained and deleted in turn
    for (let i = 0; i < 300; i++) client.getMap(ROOT).set(`message-${i}`, { i })
    for (let i = 0; i < 100; i++) client.getArray('list').push([i]) // chained items that stay: merged by Yjs
    client.getMap(ROOT).delete('message-7')
    expectHonest(new Y.Doc(), Y.mergeUpdates(updates))
  })

  it('concurrent edits of several clients, whose items depend on each other inside one update', () => {
    const clients = [1, 2, 3].map(id => { const doc = new Y.Doc(); doc.clientID = id; return doc })
    const exchange = (): void => {
      for (const from of clients) for (const to of clients) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
    }
    const relay = new Y.Doc()
    for (let round = 0; round < 40; round++) {
      clients.forEach((doc, i) => {
        doc.getText('t').insert((round * 7 + i) % (doc.getText('t').length + 1), `r${round}c${i}`)
        doc.getArray('a').insert(0, [round])
        doc.getMap(ROOT).set(`k${round % 3}`, i)
        if (round % 5 === 0) doc.getText('t').delete(0, Math.min(2, doc.getText('t').length))
      })
      if (round % 4 === 0) exchange()
      if (round === 12) Y.applyUpdate(relay, Y.encodeStateAsUpdate(clients[0]!))
    }
    exchange()
    expectHonest(relay, Y.encodeStateAsUpdate(clients[2]!, Y.encodeStateVector(relay)))
  })

  it('and never lets through what Yjs would keep pending (mutated honest updates)', () => {
    const writers = [1, 2].map(id => { const doc = new Y.Doc(); doc.clientID = id; return doc })
    for (let i = 0; i < 30; i++) {
      writers.forEach((doc, w) => { doc.getText('t').insert(0, `w${w}:${i}`); doc.getMap(ROOT).set(`k${i % 4}`, { i }) })
      Y.applyUpdate(writers[1]!, Y.encodeStateAsUpdate(writers[0]!))
    }
    const relay = new Y.Doc()
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(writers[0]!, new Uint8Array([0])))
    const snapshot = Y.encodeStateAsUpdate(relay)
    const honest = Y.encodeStateAsUpdate(writers[1]!, Y.encodeStateVector(relay))
    let seed = 42
    const random = (below: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % below }
    let passed = 0
    for (let trial = 0; trial < 600; trial++) {
      const mutated = honest.slice(0)
      for (let flips = 1 + random(3); flips > 0; flips--) mutated[random(mutated.length)] = [0, 1, 127, 128, random(256)][random(5)]!
      if (!checkUpdateCost(mutated, stateOf(relay)).ok) continue
      passed++
      const doc = new Y.Doc()
      Y.applyUpdate(doc, snapshot)
      try { Y.applyUpdate(doc, mutated) } catch { continue } // e.g. invalid JSON: Yjs refuses it before applying anything
      expect(doc.store.pendingStructs).toBeNull()
      expect(doc.store.pendingDs).toBeNull()
    }
    expect(passed).toBeGreaterThan(0)
  })
})
