// Whether the person can be looking at the page: it is visible and its window has focus.
import { createSubscriber } from 'svelte/reactivity'

export class WindowFocus {
  readonly #subscribe = createSubscriber(update => {
    addEventListener('focus', update)
    addEventListener('blur', update)
    document.addEventListener('visibilitychange', update)
    return () => {
      removeEventListener('focus', update)
      removeEventListener('blur', update)
      document.removeEventListener('visibilitychange', update)
    }
  })

  get active (): boolean {
    this.#subscribe()
    return document.visibilityState === 'visible' && document.hasFocus()
  }
}
