// Parley's service worker: keeps the app shell (HTML, JS, CSS, icons) so the app opens with no
// network. Data never comes from here: it is in IndexedDB. Built by web/offline/vite-plugin.ts,
// which replaces the two placeholders below with the build's file list and its hash.
const PRECACHE = self.__PARLEY_PRECACHE__
const CACHE = `parley-shell-${self.__PARLEY_VERSION__}`
/** The relay's own endpoints must always reach the relay. */
const RELAY_PATHS = ['/healthz', '/mux']

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(PRECACHE)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('parley-shell-') && name !== CACHE) await caches.delete(name)
    }
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', event => {
  const { request } = event
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (RELAY_PATHS.some(path => url.pathname.endsWith(path))) return
  if (request.mode === 'navigate') {
    // The page: fresh from the server when it answers, else the cached shell.
    event.respondWith(fetch(request).catch(async () =>
      (await caches.match(request, { ignoreSearch: true })) ?? (await caches.match(new URL('./', self.registration.scope).href)) ?? Response.error()))
    return
  }
  // Hashed assets never change: the cache first. Anything else the page loads (the widget's
  // script, for one) is kept once fetched, so it is there offline next time.
  event.respondWith(caches.match(request).then(cached => cached ?? fetch(request).then(async response => {
    if (response.ok && response.type === 'basic') await (await caches.open(CACHE)).put(request, response.clone())
    return response
  })))
})
