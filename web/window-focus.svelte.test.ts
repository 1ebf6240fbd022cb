// @vitest-environment happy-dom
// Whether the person can be looking at the page, re-read by whatever shows it when the window or tab changes.
// NOTE: happy-dom has no windows to switch or tabs to hide, so the test sets what the browser
// would report and fires the events the browser would fire.
import { flushSync, tick } from 'svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WindowFocus } from './window-focus.svelte'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  vi.restoreAllMocks()
})

/** The browser's answers, changeable as a person would change them. */
const browser = () => {
  let focused = true
  let visibility: DocumentVisibilityState = 'visible'
  vi.spyOn(document, 'hasFocus').mockImplementation(() => focused)
  vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility)
  return {
    blur () { focused = false; dispatchEvent(new Event('blur')) },
    focus () { focused = true; dispatchEvent(new Event('focus')) },
    hide () { visibility = 'hidden'; document.dispatchEvent(new Event('visibilitychange')) },
    show () { visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange')) }
  }
}

/** What a component reading `focus.active` renders each time it re-runs. */
const renders = (focus: WindowFocus): boolean[] => {
  const seen: boolean[] = []
  cleanups.push($effect.root(() => { $effect(() => { seen.push(focus.active) }) }))
  flushSync()
  return seen
}

describe('WindowFocus', () => {
  it('is active only while the page is visible and its window has focus, and re-renders on each change', () => {
    const page = browser()
    const seen = renders(new WindowFocus())
    page.blur()
    flushSync()
    page.focus()
    flushSync()
    page.hide()
    flushSync()
    page.show()
    flushSync()
    expect(seen).toEqual([true, false, true, false, true])
  })

  it('stops listening once nothing shows it', async () => {
    browser()
    const added = [vi.spyOn(window, 'addEventListener'), vi.spyOn(document, 'addEventListener')]
    const removed = [vi.spyOn(window, 'removeEventListener'), vi.spyOn(document, 'removeEventListener')]
    renders(new WindowFocus())
    const listening = added.flatMap(spy => spy.mock.calls.map(([type, listener]) => ({ type, listener })))
    expect(listening.map(({ type }) => type).sort()).toEqual(['blur', 'focus', 'visibilitychange'])

    cleanups.splice(0).forEach(cleanup => cleanup())
    await tick() // createSubscriber lets go of its listeners in a microtask
    expect(removed.flatMap(spy => spy.mock.calls.map(([type, listener]) => ({ type, listener })))).toEqual(expect.arrayContaining(listening))
  })
})
