// VerifiedMap over a real Y.Map: only entries whose signature verifies are shown; forged ones are counted, unknown signers wait.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Parsed } from '../../shared/model'
import { VerifiedMap, type PublicKeys, type Signed, type VerifiedMapOptions } from './verified-map'

/** A toy signed entry: `signature` is genuine when it reads `by:<signer>`. */
interface Note {
  signer: string
  text: string
  signature: string
}

const parseNote = (value: unknown): Parsed<Note> => {
  const note = value as Partial<Note> | null
  return typeof note?.signer === 'string' && typeof note.text === 'string' && typeof note.signature === 'string'
    ? { ok: true, value: { signer: note.signer, text: note.text, signature: note.signature } }
    : { ok: false, reason: 'not-an-object' }
}

const note = (signer: string, text: string, signature = `by:${signer}`): Note => ({ signer, text, signature })

/** Keys known for some signers; more can be added later, as profiles arrive. */
const keyring = (...known: string[]) => {
  const keys = new Set(known)
  const listeners = new Set<() => void>()
  const publicKeys: PublicKeys = {
    publicKeyOf: user_id => keys.has(user_id) ? `key:${user_id}` : null,
    onChange: listener => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
  return {
    publicKeys,
    add: (user_id: string) => { keys.add(user_id); for (const listener of listeners) listener() },
    /** Forgets a key without telling anyone (a profile replaced by junk, noticed later). */
    remove: (user_id: string) => { keys.delete(user_id) }
  }
}

const setup = (entries: Record<string, Note>, ...known: string[]) => setupWith({}, entries, ...known)

const setupWith = (options: VerifiedMapOptions, entries: Record<string, Note>, ...known: string[]) => {
  const doc = new Y.Doc()
  const map = doc.getMap<unknown>('notes')
  doc.transact(() => { for (const [key, value] of Object.entries(entries)) map.set(key, value) })
  const ring = keyring(...known)
  const checked: string[] = []
  const signed: Signed<Note> = {
    signerOf: value => value.signer,
    verify: async (value, publicKey) => {
      checked.push(value.text)
      return publicKey === `key:${value.signer}` && value.signature === `by:${value.signer}`
    }
  }
  const view = new VerifiedMap(map, parseNote, ring.publicKeys, signed, options)
  const changes: string[][] = []
  view.onChange(keys => changes.push([...keys]))
  return { doc, map, view, ring, checked, changes }
}

const texts = (view: VerifiedMap<Note>) => [...view.values()].map(value => value.text).sort()

describe('VerifiedMap', () => {
  it('shows only entries whose signature verifies, once checked, and counts the others', async () => {
    const { view, changes } = setup({ a: note('ada', 'genuine'), b: note('ada', 'forged', 'by:mallory'), c: { junk: 1 } as unknown as Note }, 'ada')
    expect(view.size).toBe(0) // not checked yet
    await view.settled()
    expect(texts(view)).toEqual(['genuine'])
    expect(view.has('b')).toBe(false)
    expect(view.unverified).toBe(1)
    expect(view.skipped).toBe(1)
    expect(changes.at(-1)?.sort()).toEqual(['a', 'b'])
  })

  it('checks each version once, whatever else changes', async () => {
    const { map, view, checked } = setup({ a: note('ada', 'one') }, 'ada')
    await view.settled()
    map.set('b', note('ada', 'two'))
    await view.settled()
    map.set('c', note('ada', 'three'))
    await view.settled()
    expect(checked).toEqual(['one', 'two', 'three'])
    map.set('a', note('ada', 'one, edited'))
    await view.settled()
    expect(checked).toHaveLength(4)
    expect(texts(view)).toEqual(['one, edited', 'three', 'two'])
  })

  it('keeps an entry by an unknown signer out of sight, uncounted, until their key arrives', async () => {
    const { view, ring, changes } = setup({ a: note('bob', 'from Bob') }, 'ada')
    await view.settled()
    expect(view.size).toBe(0)
    expect(view.unverified).toBe(0)
    expect(view.awaitingKey).toBe(1)
    changes.length = 0
    ring.add('bob')
    await view.settled()
    expect(texts(view)).toEqual(['from Bob'])
    expect(view.awaitingKey).toBe(0)
    expect(changes.flat()).toContain('a')
  })

  it('hides and counts a forged new version, keeping the genuine one in sight while the new one is checked', async () => {
    const { map, view } = setup({ a: note('ada', 'original') }, 'ada')
    await view.settled()
    map.set('a', note('ada', 'tampered', 'by:mallory'))
    expect(view.get('a')?.text).toBe('original') // still being checked
    expect(view.isChecking('a')).toBe(true)
    await view.settled()
    expect(view.get('a')).toBeUndefined()
    expect(view.unverified).toBe(1)
    map.set('a', note('ada', 'fixed'))
    await view.settled()
    expect(view.get('a')?.text).toBe('fixed')
    expect(view.unverified).toBe(0)
  })

  it('trusts one’s own write at once, by its signature, without checking it', async () => {
    const { map, view, checked } = setup({}, 'ada')
    map.set('a', note('ada', 'mine'))
    view.trust('a', 'by:ada')
    expect(view.get('a')?.text).toBe('mine')
    await view.settled()
    expect(checked).toEqual([])
    // A different signature than the one just made is not trusted, only checked.
    map.set('b', note('ada', 'not mine', 'by:mallory'))
    view.trust('b', 'by:ada')
    expect(view.has('b')).toBe(false)
    await view.settled()
    expect(view.unverified).toBe(1)
  })

  it('on demand, checks what was there at first only when asked, and what arrives at once', async () => {
    const { map, view, checked } = setupWith({ onDemand: true }, { a: note('ada', 'one'), b: note('ada', 'two'), c: note('ada', 'forged', 'bad') }, 'ada')
    await view.settled()
    expect(checked).toEqual([])
    expect(view.size).toBe(0)
    expect(view.standing('a')).toBe('unchecked')
    expect(view.unchecked('a')?.text).toBe('one') // for placing it, not for showing it
    expect(view.get('a')).toBeUndefined()

    await view.verify(['a', 'c'])
    expect(checked.sort()).toEqual(['forged', 'one'])
    expect(texts(view)).toEqual(['one'])
    expect(view.unverified).toBe(1)
    expect(view.standing('b')).toBe('unchecked')
    await view.verify(['a']) // decided already: not checked again
    expect(checked).toHaveLength(2)

    map.set('d', note('ada', 'live'))
    await view.settled()
    expect(view.get('d')?.text).toBe('live')
    expect(checked).toHaveLength(3)
  })

  it('on demand, leaves an entry whose signer’s key arrives to be checked when asked', async () => {
    const { view, ring, checked } = setupWith({ onDemand: true }, { a: note('bob', 'from Bob') }, 'ada')
    expect(view.standing('a')).toBe('awaiting-key')
    ring.add('bob')
    await view.settled()
    expect(checked).toEqual([])
    expect(view.standing('a')).toBe('unchecked')
    await view.verify(['a'])
    expect(texts(view)).toEqual(['from Bob'])
  })

  it('on demand, sends an entry back to wait when its signer’s key is gone by the time it is checked', async () => {
    const { view, ring } = setupWith({ onDemand: true }, { a: note('bob', 'from Bob') }, 'ada', 'bob')
    ring.remove('bob')
    await view.verify(['a'])
    expect(view.standing('a')).toBe('awaiting-key')
    expect(view.size).toBe(0)
    ring.add('bob')
    await view.verify(['a'])
    expect(texts(view)).toEqual(['from Bob'])
  })

  it('forgets removed entries and their verdicts, and stops after destroy', async () => {
    const { map, view, changes } = setup({ a: note('ada', 'a'), b: note('ada', 'b', 'bad') }, 'ada')
    await view.settled()
    map.delete('a')
    map.delete('b')
    expect(view.size).toBe(0)
    expect(view.unverified).toBe(0)
    view.destroy()
    const seen = changes.length
    map.set('c', note('ada', 'c'))
    await view.settled()
    expect(view.size).toBe(0)
    expect(changes).toHaveLength(seen)
  })
})
