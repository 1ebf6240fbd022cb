// A Vite plugin that emits sw.js: the service worker with the precache list of this very build.
// NOTE: ours instead of vite-plugin-pwa, whose workbox-build needs rollup platform packages that
// this project's package registry does not carry (npm ci then refuses the lockfile).
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Plugin } from 'vite'

const SOURCE = new URL('./service-worker.js', import.meta.url)

export const serviceWorker = ({ publicDir }: { publicDir: string }): Plugin => ({
  name: 'parley-service-worker',
  apply: 'build',
  generateBundle (_options, bundle) {
    const built = Object.keys(bundle).filter(file => !file.endsWith('.map'))
    const copied = readdirSync(publicDir).filter(file => !file.startsWith('.'))
    // './' is the page itself, as navigations ask for it.
    const precache = ['./', ...built, ...copied].map(file => (file === './' ? file : `./${file}`))
    const version = createHash('sha256').update(precache.join('\n')).update(JSON.stringify(Object.values(bundle).map(chunk =>
      'code' in chunk ? chunk.code.length : String(chunk.source.length)))).digest('hex').slice(0, 12)
    const source = readFileSync(SOURCE, 'utf8')
      .replace('self.__PARLEY_PRECACHE__', JSON.stringify(precache))
      .replace('self.__PARLEY_VERSION__', JSON.stringify(version))
    this.emitFile({ type: 'asset', fileName: 'sw.js', source })
  }
})

export const PUBLIC_DIR = join('web', 'public')
