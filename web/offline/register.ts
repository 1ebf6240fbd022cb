// Registers the service worker that keeps the app shell for offline starts (built app only).
export const registerServiceWorker = (): void => {
  // NOTE: MODE, not PROD: PROD follows NODE_ENV, which a build run under a test runner sets to 'test'.
  if (import.meta.env.MODE === 'development' || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('./sw.js').catch(error => {
    console.warn('parley: the offline app shell is unavailable', error)
  })
}
