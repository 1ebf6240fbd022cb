// @vitest-environment happy-dom
// Keeping the message being read in place while items come and go around it.
// NOTE: happy-dom lays nothing out, so each item is given the box a browser would compute.
import { describe, expect, it } from 'vitest'
import { anchorOf, distanceToBottom, itemOf, restoreAnchor } from './scroll-anchor'

const ITEM_HEIGHT = 40

const place = (element: HTMLElement, box: Partial<Record<'offsetTop' | 'offsetHeight' | 'scrollHeight' | 'clientHeight', number>>): void => {
  for (const [key, value] of Object.entries(box)) Object.defineProperty(element, key, { configurable: true, value })
}

/** A scroller 200px tall showing items with these ids, stacked from the top in this order. */
const scrollerOf = (ids: string[]): HTMLElement => {
  const scroller = document.createElement('div')
  ids.forEach((id, index) => {
    const item = document.createElement('div')
    item.dataset.messageId = id
    place(item, { offsetTop: index * ITEM_HEIGHT, offsetHeight: ITEM_HEIGHT })
    scroller.append(item)
  })
  place(scroller, { scrollHeight: ids.length * ITEM_HEIGHT, clientHeight: 200 })
  return scroller
}

describe('anchorOf', () => {
  it('is the first item at least partly in view, with how far above the top it starts', () => {
    const scroller = scrollerOf(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
    scroller.scrollTop = 90 // c spans 80 to 120
    expect(anchorOf(scroller)).toEqual({ id: 'c', offset: -10 })
    scroller.scrollTop = 80 // b ends exactly where the view starts: not in view
    expect(anchorOf(scroller)).toEqual({ id: 'c', offset: 0 })
  })

  it('is null for an empty list', () => {
    expect(anchorOf(scrollerOf([]))).toBeNull()
  })
})

describe('restoreAnchor', () => {
  it('puts the anchored item back where it was after older items are added above it', () => {
    const before = scrollerOf(['c', 'd', 'e', 'f', 'g', 'h'])
    before.scrollTop = 50
    const anchor = anchorOf(before)!
    expect(anchor).toEqual({ id: 'd', offset: -10 })

    const after = scrollerOf(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
    after.scrollTop = 50
    expect(restoreAnchor(after, anchor)).toBe(true)
    expect(after.scrollTop).toBe(130)
    expect(anchorOf(after)).toEqual(anchor)
  })

  it('leaves the scroll alone and says so when the item is gone', () => {
    const scroller = scrollerOf(['a', 'b'])
    scroller.scrollTop = 10
    expect(restoreAnchor(scroller, { id: 'deleted', offset: 0 })).toBe(false)
    expect(scroller.scrollTop).toBe(10)
  })
})

describe('itemOf and distanceToBottom', () => {
  it('finds the item with exactly that id (ids are random base64url: digits first, dashes)', () => {
    const scroller = scrollerOf(['0a-_Zx', '0a-_Z'])
    expect(itemOf(scroller, '0a-_Z')).toBe(scroller.children[1])
    expect(itemOf(scroller, '0a')).toBeNull()
  })

  it('is how far the view is above the end of the list', () => {
    const scroller = scrollerOf(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) // 320px of items
    scroller.scrollTop = 100
    expect(distanceToBottom(scroller)).toBe(20)
    scroller.scrollTop = 120
    expect(distanceToBottom(scroller)).toBe(0)
  })
})
