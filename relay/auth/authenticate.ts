// Authentication in the HTTP upgrade: who is connecting, proven by a fresh token signed with their key.
import type { IncomingMessage } from 'node:http'
import { MAX_CLOCK_SKEW_MS, TOKEN_LIFETIME_MS, readConnectToken, tokenOfProtocols, type AuthFailure } from '../../shared/connect-token'
import type { Admissions } from './admissions'
import { checkInvite } from './invites'
import { ReplayGuard } from './replay-guard'
import { verifyTokenSignature } from './token-signature'

/** The subprotocols an upgrade request offers, in its order. */
export const offeredProtocols = (request: IncomingMessage): string[] =>
  String(request.headers['sec-websocket-protocol'] ?? '').split(',').map(protocol => protocol.trim())

export type AccessMode =
  | { mode: 'open' }
  | { mode: 'invite-only'; secret: Uint8Array; admissions: Admissions }

export interface AuthenticatedUser {
  user_id: string
  public_key: string
}

/** A refusal; for 'wrong-relay', the host the token was made for (for the log: it tells a missing public URL). */
export type Authentication = { ok: true; user: AuthenticatedUser } | { ok: false; reason: AuthFailure; claimedHost?: string }

export class Authenticator {
  private readonly replays: ReplayGuard

  /**
   * `isRelayHost` says whether a token's host claim names this relay (see relay-address.ts);
   * `maxNonces`: live nonces the replay guard keeps before it refuses connections as `busy` (tests make it small).
   */
  constructor (
    private readonly access: AccessMode,
    private readonly isRelayHost: (claimed: string) => boolean,
    { maxNonces }: { maxNonces?: number } = {}
  ) {
    this.replays = new ReplayGuard(maxNonces)
  }

  /** Checks the token offered with an upgrade request for `path` (mux or a room name). */
  async authenticate (request: IncomingMessage, path: string, now = Date.now()): Promise<Authentication> {
    const token = tokenOfProtocols(offeredProtocols(request))
    if (token === null) return { ok: false, reason: 'no-credentials' }
    const read = await readConnectToken(token, verifyTokenSignature)
    if (!read.ok) return read
    const { claims } = read
    // NOTE: checked against the relay's own addresses, never the request's Host header: whoever
    // connects chooses that header, so a token captured by another relay would pass by naming it.
    if (!this.isRelayHost(claims.host)) return { ok: false, reason: 'wrong-relay', claimedHost: claims.host.slice(0, 100) }
    if (claims.path !== path) return { ok: false, reason: 'wrong-path' }
    if (claims.issued_at > now + MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'not-yet-valid' }
    const expiresAt = claims.issued_at + TOKEN_LIFETIME_MS + MAX_CLOCK_SKEW_MS
    if (expiresAt <= now) return { ok: false, reason: 'expired' }
    const admission = this.checkAdmission(claims.user_id, claims.invite, now)
    if (admission !== null) return { ok: false, reason: admission }
    // NOTE: the nonce is recorded only for a token that passed every other check, so nobody
    // can spend someone else's nonces with tokens that fail.
    switch (this.replays.admit(claims.nonce, expiresAt + MAX_CLOCK_SKEW_MS, now)) {
      case 'replayed': return { ok: false, reason: 'replayed' }
      case 'full': return { ok: false, reason: 'busy' }
    }
    if (this.access.mode === 'invite-only') {
      await this.access.admissions.admit(claims.user_id, { invite: claims.invite, at: now })
    }
    return { ok: true, user: { user_id: claims.user_id, public_key: claims.public_key } }
  }

  private checkAdmission (user_id: string, invite: string, now: number): AuthFailure | null {
    if (this.access.mode === 'open' || this.access.admissions.has(user_id)) return null
    if (invite === '') return 'invite-required'
    switch (checkInvite(this.access.secret, invite, now)) {
      case 'valid': return null
      case 'expired': return 'expired-invite'
      default: return 'bad-invite'
    }
  }
}
