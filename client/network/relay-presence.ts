// Remote presence held on the relay's word: while a link to Parley's relay is up, others' states do not time out here.
import { outdatedTimeout, type Awareness } from 'y-protocols/awareness'

/** How often remote states are marked fresh: well within y-protocols' 30 s outdatedTimeout. */
const REFRESH_MS = outdatedTimeout / 3

/**
 * Keeps every remote state in `awareness` from timing out until the returned function is
 * called. NOTE: Parley's relay forwards presence changes but not renewals (relay/presence/room-presence.ts),
 * and itself sends the removal when someone's connection closes or their state times out there.
 * Left to y-protocols, this Awareness would drop a remote state 30 s after its last change,
 * and everyone idle would look offline. The link removes remote states itself when it drops.
 */
export const holdRemoteStates = (awareness: Awareness): (() => void) => {
  const refresh = (): void => {
    // y-protocols times states by lib0's getUnixTime, which is Date.now().
    const now = Date.now()
    for (const [client, meta] of awareness.meta) if (client !== awareness.clientID) meta.lastUpdated = now
  }
  refresh()
  const timer = setInterval(refresh, REFRESH_MS)
  ;(timer as { unref?: () => void }).unref?.()
  return () => clearInterval(timer)
}
