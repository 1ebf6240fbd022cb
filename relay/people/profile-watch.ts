// Follows a profile room's document: every accepted version of its profile goes to the people index.
import { profileRecord } from '../../shared/schema'
import type { Room } from '../room'
import { wasRefused } from '../writes/judged-apply'

/** Called with each new document of `profile/<user_id>` (loaded, woken, rebuilt after a refusal). */
export const watchProfile = (room: Room, user_id: string, onProfile: (user_id: string, value: unknown) => void): void => {
  const record = profileRecord(room.doc)
  record.observe(event => {
    // NOTE: Yjs calls observers for an update the relay then refuses (judged-apply.ts); the document is rebuilt without it.
    if (wasRefused(event.transaction) || !event.keysChanged.has(user_id)) return
    onProfile(user_id, record.get(user_id))
  })
}
