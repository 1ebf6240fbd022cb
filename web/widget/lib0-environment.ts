// lib0/environment in the widget's bundle: a browser page, configured by nothing on that page.
// NOTE: vite.widget.config.ts puts this in place of lib0's, which reads its settings from the
// page's query string and localStorage (a host page's `node_env` would switch Yjs to its
// development mode) and carries Node branches a browser module never takes: ~0.5 kB gzipped.
// Same exports as lib0/environment, so that nothing importing it gets `undefined`.

export const isNode = false
export const isBrowser = true
export const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform)
export const production = false
export const supportsColor = false

export const hasParam = (_name: string): boolean => false
export const getParam = (_name: string, defaultValue: string): string => defaultValue
export const getVariable = (_name: string): string | null => null
export const getConf = (_name: string): string | null => null
export const hasConf = (_name: string): boolean => false
export const ensureConf = (name: string): string => {
  throw new Error(`Expected configuration "${name.toUpperCase().replaceAll('-', '_')}"`)
}
