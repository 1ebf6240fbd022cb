// After `npm run build`: prints the gzipped size of what the app loads first (index.html and
// the scripts, styles and preloads it names) and of the widget (dist/parley-chat.js).
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

const DIST = resolve(process.argv[2] ?? 'dist')
/** The widget's budget; over it the build still succeeds but says so. */
const WIDGET_BUDGET_KB = 40

const gzipKb = (files) => files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0) / 1024

const indexHtml = readFileSync(join(DIST, 'index.html'), 'utf8')
// Local .js and .css files named by src= or href= (the entry, its styles, modulepreloads).
const named = [...indexHtml.matchAll(/(?:src|href)="(?:\.\/|\/)?([^"?#:]+\.(?:js|css))"/g)].map(match => join(DIST, match[1]))
const initial = [join(DIST, 'index.html'), ...new Set(named)].filter(existsSync)
const widget = join(DIST, 'parley-chat.js')
if (!existsSync(widget)) {
  console.error(`report-sizes: ${widget} is missing: build the widget (vite build --config vite.widget.config.ts)`)
  process.exit(1)
}

const widgetKb = gzipKb([widget])
console.log(`app (initial load): ${gzipKb(initial).toFixed(1)} kB gzip`)
console.log(`widget: ${widgetKb.toFixed(1)} kB gzip`)
if (widgetKb > WIDGET_BUDGET_KB) console.log(`note: the widget is over its ${WIDGET_BUDGET_KB} kB budget (Yjs, Lit and the Parley client are most of it)`)
