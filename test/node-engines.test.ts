// Every package in the lockfile runs on the oldest Node that package.json's `engines` allows, and the README states that version.
// NOTE: a Node requirement above ours makes `npm ci` warn (EBADENGINE) and may break on the Node CI uses.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const readJson = (file: string) => JSON.parse(readFileSync(resolve(ROOT, file), 'utf8'))

type Version = [number, number, number]

/** `20.19` → [20, 19, 0]: a partial version stands for its lowest. */
const parseVersion = (text: string): Version => {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text)
  if (!match) throw new Error(`not a version: "${text}"`)
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)]
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

/**
 * Whether `version` satisfies an npm range made of `||` alternatives of `>=`, `>`, `<=`, `<`, `=`
 * and `^` comparators (the forms the lockfile holds); any other form throws, so it is never waved through.
 */
const satisfies = (version: Version, range: string): boolean => range.split('||').some(alternative => {
  const comparators = alternative.trim().replace(/(>=|<=|>|<|=|\^)\s+/g, '$1').split(/\s+/)
  return comparators.every(comparator => {
    const match = /^(>=|<=|>|<|=|\^)?(\d+(?:\.\d+){0,2})$/.exec(comparator)
    if (!match) throw new Error(`range form not understood: "${range}"`)
    const bound = parseVersion(match[2]!)
    const order = compare(version, bound)
    switch (match[1]) {
      case '>=': return order >= 0
      case '>': return order > 0
      case '<=': return order <= 0
      case '<': return order < 0
      case '^': return order >= 0 && version[0] === bound[0] && (bound[0] > 0 || version[1] === bound[1])
      default: return order === 0
    }
  })
})

describe('the Node version', () => {
  const ours: string = readJson('package.json').engines.node
  const oldest = parseVersion(/^>=\s*(\S+)$/.exec(ours)?.[1] ?? 'unreadable')

  it('reads the ranges it checks', () => {
    expect(satisfies([20, 19, 0], '^20.19.0 || >=22.12.0')).toBe(true)
    expect(satisfies([20, 19, 0], '>=22')).toBe(false)
    expect(satisfies([20, 19, 0], '^10 || ^12 || >=14')).toBe(true)
    expect(satisfies([20, 18, 9], '^20.19 || ^22.12 || >=24')).toBe(false)
    expect(satisfies([20, 19, 0], '>= 12.0.0')).toBe(true)
    expect(() => satisfies([20, 19, 0], '20.x')).toThrow(/not understood/)
  })

  it('is enough for every package in the lockfile', () => {
    const packages: Record<string, { engines?: { node?: string } | string[] }> = readJson('package-lock.json').packages
    const wanting = Object.entries(packages).flatMap(([path, { engines }]) => {
      const range = engines && !Array.isArray(engines) ? engines.node : undefined
      return range === undefined || satisfies(oldest, range) ? [] : [`${path.replace(/^.*node_modules\//, '')} wants Node ${range}`]
    })
    expect(wanting).toEqual([])
  })

  it('is the one the README states', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8')
    expect(readme).toContain(`with Node ${oldest[0]} (≥ ${ours.replace(/^>=\s*/, '')})`)
  })
})
