// Builds the web app (index.html + web/) into dist/, which the relay serves, with an offline app shell.
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { PUBLIC_DIR, serviceWorker } from './web/offline/vite-plugin'

export default defineConfig({
  // NOTE: relative asset paths, so dist/ works from any static host and any sub-path.
  base: './',
  publicDir: PUBLIC_DIR,
  plugins: [
    svelte(),
    // sw.js precaches the shell (HTML, JS, CSS, icon) so that after a first visit the app opens
    // with no network; the data comes from IndexedDB, never from this cache.
    serviceWorker({ publicDir: PUBLIC_DIR })
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true
  }
})
