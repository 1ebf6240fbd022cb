// package.json's `dependencies` are exactly the packages the app, the widget, the relay and the CLI import; the rest is development only.
// NOTE: what runs is web/, shared/, relay/ and cli/ without their tests; a package only tests or
// benchmarks use belongs in devDependencies, and one the running code needs must not be there.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RUNNING_CODE = ['web', 'client', 'shared', 'relay', 'cli']

/** Modules of the running folders that only tests or the build load, with the development package each imports. */
const DEVELOPMENT_ONLY: Record<string, string> = {
  'relay/storage/conformance.ts': 'vitest', // the storage conformance suite, run by each store's test
  'client/storage/storage-conformance.ts': 'vitest', // the local storage conformance suite, run by each storage's test
  'web/offline/vite-plugin.ts': 'vite' // the service-worker plugin, which only Vite's build runs
}

/** The source files under `dir`, tests left out unless asked for. */
const sourceFiles = (dir: string, { tests = false } = {}): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap(entry => {
  const path = join(dir, entry.name)
  if (entry.isDirectory()) return sourceFiles(path, { tests })
  return /\.(ts|js|mjs|svelte)$/.test(entry.name) && (tests || !/\.test\.ts$/.test(entry.name)) ? [path] : []
})

/** The packages a module imports for its values (`import type` left out): `lib0/encoding` → `lib0`, `@scope/name/x` → `@scope/name`. */
const importedPackages = (source: string): string[] => {
  const found: string[] = []
  const statements = /\b(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const [, typeOnly, fromStatement, dynamic] of source.matchAll(statements)) {
    const specifier = fromStatement ?? dynamic!
    if (typeOnly || specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue
    const parts = specifier.split('/')
    found.push(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!)
  }
  return found
}

describe('dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const importers = new Map<string, string[]>()
  for (const file of RUNNING_CODE.flatMap(dir => sourceFiles(dir))) {
    const path = relative(ROOT, join(ROOT, file))
    for (const name of importedPackages(readFileSync(join(ROOT, file), 'utf8'))) {
      if (DEVELOPMENT_ONLY[path] === name) continue
      importers.set(name, [...(importers.get(name) ?? []), path])
    }
  }

  it('reads imports as a bundler does', () => {
    expect(importedPackages(`import * as Y from 'yjs'\nimport {\n  a,\n  b\n} from 'lib0/encoding'\nimport 'fake-indexeddb/auto'`)).toEqual(['yjs', 'lib0', 'fake-indexeddb'])
    expect(importedPackages(`import type { Plugin } from 'vite'\nexport { x } from '@scope/name/deep'\nconst m = await import('ws')\nimport { a } from './here'`)).toEqual(['@scope/name', 'ws'])
  })

  it('lists as dependencies only what the running code imports', () => {
    const unused = Object.keys(manifest.dependencies).filter(name => !importers.has(name))
    expect(unused).toEqual([])
  })

  it('keeps the benchmarks\' own packages in their workspace: nothing else imports them', () => {
    const bench = JSON.parse(readFileSync(join(ROOT, 'bench', 'package.json'), 'utf8'))
    const benchOnly = Object.keys(bench.devDependencies)
    const outside = ['web', 'client', 'shared', 'relay', 'cli', 'test', 'scripts'].flatMap(dir => sourceFiles(dir, { tests: true }))
      .flatMap(file => importedPackages(readFileSync(join(ROOT, file), 'utf8')).filter(name => benchOnly.includes(name)).map(name => `${name} (${file})`))
    expect(outside).toEqual([])
    expect(benchOnly.filter(name => name in (manifest.devDependencies ?? {}) || name in manifest.dependencies)).toEqual([])
    expect(manifest.workspaces).toContain('bench')
  })

  it('lists every package the running code imports as a dependency', () => {
    const missing = [...importers].filter(([name]) => !(name in manifest.dependencies)).map(([name, files]) => `${name} (${files.join(', ')})`)
    expect(missing).toEqual([])
  })
})
