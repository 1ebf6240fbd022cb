// Lets this process import the app's Svelte view models (`.svelte.ts`), compiled as the app's build compiles them (svelte-hooks.mjs).
import { register } from 'node:module'

let registered = false

/**
 * NOTE: registered when a workload needs it, after tsx's own hooks, so that these run first
 * for `.svelte.ts` files and hand everything else on. The client runtime of Svelte runs in
 * Node for what a view model uses ($state, $derived); effects need a component to run in.
 */
export const allowSvelteModules = (): void => {
  if (registered) return
  register('./svelte-hooks.mjs', import.meta.url)
  registered = true
}
