// lib0/logging in the widget's bundle: Yjs's rare warnings, on the plain console.
// NOTE: vite.widget.config.ts puts this in place of lib0's browser logger, whose colours and
// virtual console pull in lib0/dom and lib0/schema: ~2.5 kB gzipped of the widget's 40 kB
// budget, for two warnings Yjs prints when a document is misused. The app keeps lib0's logger.

// Style markers, as lib0 names them; dropped from what is printed.
export const BOLD = Symbol('bold')
export const UNBOLD = Symbol('unbold')
export const BLUE = Symbol('blue')
export const GREY = Symbol('grey')
export const GREEN = Symbol('green')
export const RED = Symbol('red')
export const PURPLE = Symbol('purple')
export const ORANGE = Symbol('orange')
export const UNCOLOR = Symbol('uncolor')

/** What console.log is given for lib0-style arguments: everything but the style markers. */
export const consoleArgs = (args: readonly unknown[]): unknown[] => args.filter(arg => typeof arg !== 'symbol')

export const print = (...args: unknown[]): void => console.log(...consoleArgs(args))
export const warn = (...args: unknown[]): void => console.warn(...consoleArgs(args))
export const printError = (error: Error): void => console.error(error)
