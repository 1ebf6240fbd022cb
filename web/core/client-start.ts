// Opening a person's ParleyClient in the browser: the same sockets, storage and first wait in the app and the widget.
import { ParleyClient, indexeddbStorage, muxNetwork, type Identity } from '../../client'

/** With no local profile (storage cleared), it may still be on the relay: wait this long for it before asking for a name. */
export const FIRST_SYNC_WAIT_MS = 2000

export interface BrowserClientOptions {
  identity: Identity
  /** The relay's WebSocket URL. */
  url: string
  /** An invitation, for an invite-only relay that does not know this identity yet. */
  invite?: string
}

/**
 * The person's client over the relay at `url` (every room on one socket), with their documents
 * kept in IndexedDB under their user id (so two people on one origin never share a copy).
 */
export const openBrowserClient = ({ identity, url, invite }: BrowserClientOptions): Promise<ParleyClient> =>
  ParleyClient.open({
    identity,
    network: muxNetwork({ url, identity, invite }),
    storage: indexeddbStorage({ prefix: `parley/${identity.user_id}/` })
  })

/**
 * Waits, at most `waitMs`, for one's profile when it may be on the relay but not here: an
 * identity seen before whose local documents are gone. A `created` identity has nothing to wait for.
 */
export const awaitProfile = async (client: ParleyClient, created: boolean, waitMs = FIRST_SYNC_WAIT_MS): Promise<void> => {
  if (!created && client.profile() === null) await client.whenSynced(waitMs)
}
