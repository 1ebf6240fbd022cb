// The wire protocol in one place: its version, room names, messages, mux frames, refusals and close codes (docs/protocol.md).
export * from './version'
export * from './rooms'
export * from './messages'
export * from './mux-frames'
export * from './people'
export * from './refusals'
export * from './close-codes'
