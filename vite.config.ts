// Builds the web app (index.html + web/) into dist/, which the relay serves, with an offline app shell.
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'

export default defineConfig({
  // NOTE: relative asset paths, so dist/ works from any static host and any sub-path.
  base: './',
  publicDir: 'web/public',
  plugins: [
    svelte(),
    // The service worker precaches the shell (HTML, JS, CSS, icon) so that after a first visit
    // the app opens with no network; the data comes from IndexedDB, never from this cache.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'auto',
      includeAssets: ['icon.svg'],
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'A local-first chat that keeps working offline',
        theme_color: '#2b5fd9',
        background_color: '#f4f5f7',
        display: 'standalone',
        start_url: './',
        scope: './',
        icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }]
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: 'index.html',
        // NOTE: the relay's own endpoints must reach the relay, never the cached shell.
        navigateFallbackDenylist: [/^\/healthz/, /^\/mux/]
      }
    })
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true
  }
})
