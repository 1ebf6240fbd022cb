// Builds <parley-chat> (web/widget/) into dist/parley-chat.js: one ES module with Lit and the
// Parley client bundled in, for any page. Runs after the app build (vite.config.ts), which
// empties dist/ first.
import { fileURLToPath } from 'node:url'
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

/** lib0 modules the widget replaces with its own browser-only ones (see each file for why). */
const LIB0_REPLACEMENTS: Record<string, string> = {
  'logging.js': fileURLToPath(new URL('web/widget/lib0-logging.ts', import.meta.url)),
  'environment.js': fileURLToPath(new URL('web/widget/lib0-environment.ts', import.meta.url))
}

/**
 * Puts LIB0_REPLACEMENTS in place of lib0's modules, however they are imported (`lib0/logging`
 * from Yjs, `./environment.js` from inside lib0).
 */
const replaceLib0 = (): Plugin => ({
  name: 'parley-widget-replace-lib0',
  enforce: 'pre',
  async resolveId (source, importer, options) {
    if (!/(?:^lib0\/|^\.\/)(?:logging|environment)(?:\.js)?$/.test(source)) return null
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
    const file = resolved?.id.match(/[\\/]node_modules[\\/]lib0[\\/]([^\\/]+)$/)?.[1]
    return file !== undefined ? LIB0_REPLACEMENTS[file] ?? null : null
  },
  // A new way of importing one of them (another path, a lib0 update) must not bring it back unseen.
  generateBundle (_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue
      const replaced = chunk.moduleIds.filter(id => Object.keys(LIB0_REPLACEMENTS).some(file => id.replaceAll('\\', '/').endsWith(`/node_modules/lib0/${file}`)))
      if (replaced.length > 0) this.error(`lib0 modules the widget replaces reached its bundle: ${replaced.join(', ')}`)
    }
  }
})

export default defineConfig({
  // NOTE: no public directory: the app build already copied it, and the widget adds one file.
  publicDir: false,
  plugins: [noSvelte(), replaceLib0()],
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
    minify: true,
    rolldownOptions: {
      // NOTE: library mode leaves an ES module's whitespace and /* @__PURE__ */ comments for the
      // page's bundler to finish the job; this file goes to browsers as it is (~10% of its size).
      output: { minify: true, comments: { annotation: false } },
      // Formatters web/core/format.ts makes for the app and the widget never reads.
      treeshake: { manualPureFunctions: ['Intl.DateTimeFormat'] },
      onLog (level, log, handler) {
        // A name missing from a replaced lib0 module would be `undefined` at run time: fail instead.
        if (log.code === 'IMPORT_IS_UNDEFINED') throw new Error(log.message)
        handler(level, log)
      }
    }
  }
})
