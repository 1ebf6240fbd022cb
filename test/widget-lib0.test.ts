// The widget's replacements for lib0's logging and environment modules (vite.widget.config.ts
// puts them in place of lib0's): what they print, and that they stand in for every name.
import * as lib0Environment from 'lib0/environment'
import * as lib0Logging from 'lib0/logging'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as environment from '../web/widget/lib0-environment'
import * as logging from '../web/widget/lib0-logging'

afterEach(() => { vi.restoreAllMocks() })

describe('the widget\'s lib0/logging', () => {
  it('prints what Yjs logs, without lib0\'s style markers', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    logging.warn('[yjs#509] Not same Y.Doc')
    const structs = { client: 1 }
    logging.print(logging.ORANGE, logging.BOLD, '[yjs] ', logging.UNBOLD, logging.RED, 'Changed the client-id', structs)
    expect(warn).toHaveBeenCalledWith('[yjs#509] Not same Y.Doc')
    expect(log).toHaveBeenCalledWith('[yjs] ', 'Changed the client-id', structs)
  })

  it('has lib0\'s style markers and the printing functions Yjs uses', () => {
    for (const name of ['BOLD', 'UNBOLD', 'BLUE', 'GREY', 'GREEN', 'RED', 'PURPLE', 'ORANGE', 'UNCOLOR', 'print', 'warn', 'printError'] as const) {
      expect(typeof logging[name], name).toBe(typeof lib0Logging[name])
    }
  })
})

describe('the widget\'s lib0/environment', () => {
  it('exports every name lib0\'s does, functions as functions', () => {
    for (const [name, value] of Object.entries(lib0Environment)) {
      expect(environment, name).toHaveProperty(name)
      if (typeof value === 'function') expect(typeof (environment as Record<string, unknown>)[name], name).toBe('function')
    }
  })

  it('is a browser, configured by nothing the host page sets', () => {
    expect(environment.isBrowser).toBe(true)
    expect(environment.isNode).toBe(false)
    expect(environment.getVariable('node_env')).toBeNull()
    expect(environment.hasConf('production')).toBe(false)
    expect(environment.getParam('--relay', 'fallback')).toBe('fallback')
    expect(() => environment.ensureConf('some-setting')).toThrow('SOME_SETTING')
  })
})
