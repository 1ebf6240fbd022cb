// Remote presence held on the relay's word: while a link to Parley's relay is up, others' states do not time out here.
import { outdatedTimeout, type Awareness } from 'y-protocols/awareness'

/** How often remote states are marked fresh: well within y-protocols' 30 s outdatedTimeout. */
const REFRESH_MS = outdatedTimeout / 3

/**
 * Keeps every remote state in `awareness` from timing out until the returned function is
 * called. NOTE: Parley's relay forwards presence changes but not renewals (relay/presence/room-presence.ts),
 * and itself sends the removal when someone's connection closes or their state times out there.
 * Left to y-protocols, this Awareness would drop a remote state 30 s after its last change,
 * and everyone idle would look offline. The link removes remote states itself when it drops,
 * then calls the returned function (see forgetRemovedClocks).
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
  return () => {
    clearInterval(timer)
    forgetRemovedClocks(awareness)
  }
}

/**
 * Forgets the clock of every remote state no longer held. NOTE: y-protocols keeps a removed
 * state's clock and ignores that clock sent again; but when a link is back, the relay sends
 * everyone's state with the clock it had (it keeps renewals from others), and someone idle
 * would look offline here until their state next changed. The relay is the authority on who is
 * online in its rooms: what it sends after a reconnection applies.
 */
const forgetRemovedClocks = (awareness: Awareness): void => {
  for (const client of [...awareness.meta.keys()]) {
    if (client !== awareness.clientID && !awareness.states.has(client)) awareness.meta.delete(client)
  }
}
