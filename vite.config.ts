// Builds the web app (index.html + web/) into dist/, which the relay serves.
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  // NOTE: relative asset paths, so dist/ works from any static host and any sub-path.
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true
  }
})
