// Browser-test helpers for <parley-chat>: a plain host page served by the relay next to the built
// widget (dist/parley-chat.js), the events it heard, and user ids.
// The widget follows the app's accessibility contract, so parley-app.ts's helpers (send,
// expectConversation, status…) work on it too: Playwright's role locators pierce shadow DOM.
import type { Page } from 'playwright-core'
import type { Person, TestRelay } from './harness'

/** The host page (test/e2e/widget-host.html), copied by the global setup beside the built widget. */
export const HOST_PATH = '/widget-host.html'

export interface WidgetAttributes {
  conversation?: string
  name?: string
  relay?: string
}

/** One event the host page heard from the widget, as it arrived at `document`. */
export interface HeardEvent {
  type: 'parley-message-sent' | 'parley-message-received'
  content: string
  sender_id: string
  bubbles: boolean
  composed: boolean
}

/**
 * Opens the host page with the widget, served by `relay` itself (so by default the widget uses
 * that relay). NOTE: a real page from the relay, not one made up by page.route: Chromium's local
 * network access checks block a made-up page's WebSocket to 127.0.0.1.
 */
export const openWidget = async (person: Person, relay: TestRelay, attributes: WidgetAttributes): Promise<Page> => {
  const query = new URLSearchParams(Object.entries(attributes).filter(([, value]) => value !== undefined))
  await person.page.goto(`${relay.url}${HOST_PATH}?${query}`)
  return person.page
}

/** The events the host page heard so far. */
export const heardEvents = (page: Page): Promise<HeardEvent[]> => page.evaluate(() => (window as unknown as { heard: HeardEvent[] }).heard)

/** The widget's own user id (its `userId` property), once it has started. */
export const widgetUserId = async (page: Page): Promise<string> => {
  const handle = await page.waitForFunction(() => document.querySelector('parley-chat')?.userId ?? null)
  return await handle.jsonValue() as string
}

/** Sets (or with null removes) one of the widget's attributes, as a host page's script would. */
export const setWidgetAttribute = (page: Page, name: string, value: string | null): Promise<void> =>
  page.evaluate(([name, value]) => {
    const element = document.querySelector('parley-chat')!
    if (value === null) element.removeAttribute(name!)
    else element.setAttribute(name!, value)
  }, [name, value] as const)

/**
 * The user id of the person using the app in `page`: read from the app's identity store and
 * derived as Parley does (base64url of the first 16 bytes of SHA-256 of the raw public key).
 */
export const appUserId = (page: Page): Promise<string> => page.evaluate(async () => {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const opening = indexedDB.open('parley-identity')
    opening.onsuccess = () => resolve(opening.result)
    opening.onerror = () => reject(opening.error)
  })
  const keys = await new Promise<CryptoKeyPair>((resolve, reject) => {
    const reading = db.transaction('keys').objectStore('keys').get('current')
    reading.onsuccess = () => resolve(reading.result as CryptoKeyPair)
    reading.onerror = () => reject(reading.error)
  })
  db.close()
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey))
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', raw)).subarray(0, 16)
  return btoa(String.fromCharCode(...hash)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
})
