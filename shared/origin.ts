// Typed Yjs transaction origins, so that observers can tell who changed a document.

export type Origin =
  | { readonly source: 'local' }
  | { readonly source: 'storage' }
  | { readonly source: 'relay' }
  | { readonly source: 'peer'; readonly peer: unknown }

/** This client's own edits through the Parley API. */
export const LOCAL_ORIGIN: Origin = Object.freeze({ source: 'local' })

/** State loaded from a store, which must not be written back to it. */
export const STORAGE_ORIGIN: Origin = Object.freeze({ source: 'storage' })

/** The relay's own writes (it announces direct conversations), which its rules do not judge. */
export const RELAY_ORIGIN: Origin = Object.freeze({ source: 'relay' })

export const peerOrigin = (peer: unknown): Origin => ({ source: 'peer', peer })

export const isOrigin = (value: unknown): value is Origin =>
  typeof value === 'object' && value !== null &&
  ['local', 'storage', 'relay', 'peer'].includes((value as { source?: unknown }).source as string)
