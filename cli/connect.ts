// The Node API: a signed-in ParleyClient on a relay in one call, for scripts, bots and tests.
import { join } from 'node:path'
import WebSocket from 'ws'
import { ParleyClient } from '../client/parley'
import { muxNetwork } from '../client/network/mux-network'
import { memoryStorage, type Storage } from '../client/transport'
import { CLOSE_REASONS, isCloseReason } from '../shared/protocol'
import type { Identity } from '../shared/identity'
import { fileStorage } from './file-storage'
import { loadIdentityFile } from './identity-file'

export interface ConnectOptions {
  /** The relay: ws(s)://host:port, or the http(s) address its web app is served from. */
  relay: string
  /** An identity, or the file it is kept in (see identity-file.ts). */
  identity: Identity | { file: string }
  /** An invitation, for an invite-only relay that does not know this identity yet (needed once). */
  invite?: string
  /**
   * Publishes (or changes) one's display name once connected. NOTE: others check a message's
   * signature against the sender's published profile, so an identity needs one on a relay
   * before its messages are shown to anyone.
   */
  name?: string
  /**
   * Where documents are kept: in memory (the default: everything comes from the relay on each
   * start, and writes the relay has not confirmed are lost on exit), or in files under
   * `<directory>/<user_id>/`, which keep the outbox across runs (one process per directory).
   */
  storage?: 'memory' | { directory: string }
  /** Longest wait for the relay's first sync (default 10 s). */
  timeoutMs?: number
}

export type ConnectFailure = 'bad-url' | 'refused' | 'unreachable'

/** Why connectParley gave up; `refusal` is the relay's reason when it refused (an AuthFailure such as 'invite-required'). */
export class ConnectError extends Error {
  constructor (readonly failure: ConnectFailure, readonly refusal: string | null, message: string) {
    super(message)
    this.name = 'ConnectError'
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000

/** The relay's WebSocket base URL: http becomes ws and https wss; a trailing slash is dropped. */
export const relayWebSocketUrl = (relay: string): string => {
  let url: URL
  try {
    url = new URL(relay)
  } catch {
    throw new ConnectError('bad-url', null, `not a relay address: ${JSON.stringify(relay)} (expected ws://host:port or http://host:port)`)
  }
  const protocol = ({ 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' } as Record<string, string>)[url.protocol]
  if (!protocol || url.search || url.hash) {
    throw new ConnectError('bad-url', null, `not a relay address: ${JSON.stringify(relay)} (expected ws://host:port or http://host:port)`)
  }
  url.protocol = protocol
  return url.href.replace(/\/+$/, '')
}

/**
 * Opens a client of `relay` over one multiplexed socket (the web app's transport) and waits,
 * at most `timeoutMs`, until one's own rooms (one's profile and one's list of conversations) are in sync. Throws a ConnectError when the relay
 * refuses the identity or cannot be reached in that time; the caller closes the client.
 */
export const connectParley = async (options: ConnectOptions): Promise<ParleyClient> => {
  const url = relayWebSocketUrl(options.relay)
  const identity = 'file' in options.identity ? await loadIdentityFile(options.identity.file) : options.identity
  const client = await ParleyClient.open({
    identity,
    network: muxNetwork({ url, identity, WebSocket, invite: options.invite?.trim() || undefined }),
    storage: storageFor(options.storage ?? 'memory', identity)
  })
  try {
    await untilSynced(client, options.relay, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const name = options.name?.trim()
    if (name !== undefined && client.profile()?.name !== name) client.setProfile({ name })
  } catch (error) {
    await client.close()
    throw error
  }
  return client
}

const storageFor = (storage: 'memory' | { directory: string }, identity: Identity): Storage =>
  storage === 'memory' ? memoryStorage : fileStorage({ directory: join(storage.directory, identity.user_id) })

/** The relay's refusal as a person should read it. */
export const refusalText = (refusal: string | null): string =>
  refusal !== null && isCloseReason(refusal) ? CLOSE_REASONS[refusal].text : `The relay refused: ${refusal ?? 'no reason given'}.`

/** How long each of untilSynced's waits for the sync lasts: at most this long past a refusal or a timeout. */
const SYNC_POLL_MS = 200

/** Resolves once one's own rooms are in sync; rejects as soon as the relay refuses, or after `timeoutMs`. */
const untilSynced = (client: ParleyClient, relay: string, timeoutMs: number): Promise<void> => new Promise((resolve, reject) => {
  let done = false
  const finish = (error?: ConnectError): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    unsubscribe()
    if (error) reject(error)
    else resolve()
  }
  const checkRefused = (): void => {
    if (client.status !== 'refused') return
    finish(new ConnectError('refused', client.refusal, `${relay} refused this identity: ${refusalText(client.refusal)}`))
  }
  const timer = setTimeout(() => finish(new ConnectError('unreachable', null,
    `could not reach the relay at ${relay} within ${timeoutMs / 1000} s`)), timeoutMs)
  // One's profile link reports every change of its status as 'status'.
  const unsubscribe = client.subscribe(change => { if (change === 'status') checkRefused() })
  checkRefused()
  // NOTE: in short waits, not one long one: the sync of one's own room (the second of the two)
  // is not reported as a change, and a long wait would keep a timer alive after a refusal.
  void (async () => {
    while (!done) {
      if (await client.whenSynced(SYNC_POLL_MS)) finish()
    }
  })()
})
