// The README's TypeScript examples type-check against the code as it is, so a renamed function or a new required option shows here.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Each ```ts block of the README, as a module at the project's root (where its `./shared` imports point). */
const readmeExamples = (): Map<string, string> => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  // NOTE: `export {}` makes each a module, so top-level await and its own names are allowed.
  return new Map([...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code], index) => [join(ROOT, `README.example-${index}.ts`), `export {}\n${code}`]))
}

describe('the README', () => {
  // NOTE: a whole TypeScript program (the examples import the client and the CLI): seconds, not milliseconds.
  it('has TypeScript examples that type-check', { timeout: 60_000 }, () => {
    const examples = readmeExamples()
    expect(examples.size).toBeGreaterThan(0)
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
    const options = { ...config!.options, noEmit: true }
    // The examples exist in memory only: nothing is written into the project.
    const host = ts.createCompilerHost(options)
    const { getSourceFile, fileExists, readFile } = host
    host.fileExists = file => examples.has(file) || fileExists(file)
    host.readFile = file => examples.get(file) ?? readFile(file)
    host.getSourceFile = (file, language, ...rest) => {
      const code = examples.get(file)
      return code === undefined ? getSourceFile(file, language, ...rest) : ts.createSourceFile(file, code, language)
    }
    const program = ts.createProgram([...examples.keys()], options, host)
    const problems = [...examples.keys()].flatMap(file => ts.getPreEmitDiagnostics(program, program.getSourceFile(file)))
      .map(({ file, start, messageText }) => {
        const line = file && start !== undefined ? file.getLineAndCharacterOfPosition(start).line : 0
        return `${file?.fileName.slice(ROOT.length + 1)}:${line}: ${ts.flattenDiagnosticMessageText(messageText, '\n')}`
      })
    expect(problems).toEqual([])
  })
})
