// Whether the relay has answered for the widget's chosen person or group: until it has, one that
// is missing may only not have arrived yet (the widget is offline, or a room is still loading).
import { DEFAULT_SYNC_WAIT_MS, type ParleyClient } from '../../client'
import { choiceKey, type ConversationChoice } from '../core/conversation-choice'

/**
 * How long a group not shown yet may take to show once one's own room is in sync. NOTE: the relay
 * lists each of one's groups in one's own room; the client then opens the group's room and waits
 * for its first sync as long as for any room (ParleyClient's syncWaitMs, 5 s by default), so a
 * group still missing after this is not one of one's groups.
 */
export const GROUP_WAIT_MS = DEFAULT_SYNC_WAIT_MS

export class TargetAnswer {
  #key: string | null = null
  #answered = false
  /** Counts the questions asked: only the newest may answer. */
  #asked = 0
  /** A question is under way for the chosen target (its own connection or sync will end it). */
  #asking = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor (
    private readonly client: ParleyClient,
    /** Called once the relay has answered for the chosen target. */
    private readonly onAnswer: () => void,
    private readonly groupWaitMs = GROUP_WAIT_MS
  ) {}

  /**
   * The relay has answered for the chosen target: a person it has not is one it does not know, a
   * group not shown is one this person may not see.
   */
  get answered (): boolean { return this.#answered }

  /** The chosen conversation (null: none): a new one is asked about from the start. */
  choose (target: ConversationChoice | null): void {
    const key = target && choiceKey(target)
    if (key === this.#key) return
    this.#key = key
    this.#answered = false
    this.#ask(target)
  }

  /** The client connected (again): asks what is still unanswered, once, for the chosen target. */
  connected (target: ConversationChoice | null): void {
    if (this.#answered || this.#asking || target === null || choiceKey(target) !== this.#key) return
    this.#ask(target)
  }

  async #ask (target: ConversationChoice | null): Promise<void> {
    const asked = ++this.#asked
    clearTimeout(this.#timer)
    this.#asking = target !== null
    if (target === null) return
    const current = (): boolean => asked === this.#asked && !this.#closed
    const answer = (): void => {
      this.#asking = false
      // NOTE: an answer that came while offline may be this device's own copy, not the relay's.
      if (this.client.status !== 'connected') return
      this.#answered = true
      this.onAnswer()
    }
    try {
      // One's own rooms first: they say which groups are one's own and that the relay is reachable.
      while (!await this.client.whenSynced()) {
        if (!current()) return
        if (this.client.status !== 'connected') return void (this.#asking = false)
      }
      if (!current()) return
      if (target.kind === 'direct') {
        await this.client.lookUp(target.user_id)
        if (current()) answer()
        return
      }
      this.#timer = setTimeout(() => { if (current()) answer() }, this.groupWaitMs)
    } catch {
      // The client closed meanwhile: nobody waits for the answer any more.
      if (current()) this.#asking = false
    }
  }

  close (): void {
    this.#closed = true
    this.#asked++
    clearTimeout(this.#timer)
  }
}
