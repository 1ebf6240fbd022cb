// Waiting until a client holds someone's profile: what opening a conversation with a contact takes for granted. No Node imports: the Chromium pages use it too.
import type { ParleyClient } from '../../client/parley'

/**
 * Waits (10 s at most) until the client holds `user_id`'s profile: a contact's, which it opens
 * on its own once its own room lists their conversation, as the app's sidebar does.
 */
export const whenKnown = async (client: ParleyClient, user_id: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (client.user(user_id) === null) {
    if (Date.now() > deadline) throw new Error(`the client did not load ${user_id}'s profile within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}
