// Vite's client types (imports of CSS and assets, import.meta.env) and Parley's build-time settings.
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The relay the app and the widget use when the page gives none (ws://, wss://, http:// or https://). */
  readonly VITE_PARLEY_RELAY?: string
}
