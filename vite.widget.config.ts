// Builds <parley-chat> (web/widget/) into dist/parley-chat.js: one ES module with Lit and the
// Parley client bundled in, for any page. Runs after the app build (vite.config.ts), which
// empties dist/ first.
import { defineConfig, type Plugin } from 'vite'

/** Fails the build if Svelte (the app's framework) ever reaches the widget's bundle. */
const noSvelte = (): Plugin => ({
  name: 'parley-widget-no-svelte',
  generateBundle (_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue
      const svelte = chunk.moduleIds.filter(id => /[\\/]node_modules[\\/]svelte[\\/]|\.svelte(\.ts)?$/.test(id))
      if (svelte.length > 0) this.error(`the widget must not bundle Svelte, but it includes ${svelte.join(', ')}`)
    }
  }
})

export default defineConfig({
  // NOTE: no public directory: the app build already copied it, and the widget adds one file.
  publicDir: false,
  plugins: [noSvelte()],
  // A ready-to-use browser module, not a library for another bundler: no process.env left in it.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    lib: {
      entry: 'web/widget/parley-chat.ts',
      formats: ['es'],
      fileName: () => 'parley-chat.js'
    },
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true
  }
})
