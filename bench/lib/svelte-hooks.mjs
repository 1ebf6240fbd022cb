// Module hooks for the benchmarks: Svelte rune modules (`.svelte.ts`) compiled as the app's build compiles them, so that view models run in Node.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { compileModule } from 'svelte/compiler'

/** Types stripped first (the Svelte compiler reads JavaScript), then the runes compiled for the client runtime. */
export async function load (url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.svelte.ts')) return nextLoad(url, context)
  const filename = fileURLToPath(url)
  const source = await readFile(filename, 'utf8')
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true }
  })
  const { js } = compileModule(outputText, { filename, generate: 'client' })
  return { format: 'module', source: js.code, shortCircuit: true }
}
