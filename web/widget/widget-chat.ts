// The widget's model, without rendering: one person's ParleyClient over a relay, the chosen
// conversation, its newest messages and the connection status. The element renders it.
import type { ConnectionStatus, Conversation, DirectoryChange, Message, ParleyClient } from '../../client'
import { awaitProfile, openBrowserClient } from '../core/client-start'
import { choiceKey, openChoice, type ConversationChoice } from '../core/conversation-choice'
import { describeError } from '../core/errors'
import { LatestOpen } from '../core/latest-open'
import { Arrivals, pendingIds } from '../core/message-marks'
import { ReadQueue } from '../core/read-queue'
import { loadIdentity } from '../identity-store'
import { parseTarget, targetProblem, targetTitle } from './conversation-target'
import { TargetAnswer } from './target-answer'

/** Messages shown: the newest of the conversation (the widget has no scroll-back). */
export const SHOWN_MESSAGES = 100

export type WidgetPhase = 'starting' | 'join' | 'ready' | 'failed'

export interface WidgetListener {
  /** Anything shown changed. */
  changed(): void
  /** A message from someone else arrived while its conversation was open. */
  received(message: Message): void
}

export class WidgetChat {
  #phase: WidgetPhase = 'starting'
  #failure: string | null = null
  #client: ParleyClient | null = null
  #unsubscribeClient: (() => void) | null = null
  /** Whether the relay has answered for the chosen person or group: only then is a missing one really missing. */
  #answer: TargetAnswer | null = null
  #networkUp = true
  #targetValue: string | null = null
  #target: ConversationChoice | null = null
  #problem: string | null = null
  #conversation: Conversation | null = null
  #conversationKey: string | null = null
  #unsubscribeConversation: (() => void) | null = null
  /** A slow open overtaken by a newer one (or by choosing none) is dropped. */
  readonly #opening = new LatestOpen()
  #messages: Message[] = []
  #pending: ReadonlySet<string> = new Set()
  #unverified = 0
  #arrivals = new Arrivals(null)
  readonly #reads = new ReadQueue()
  #closed = false

  constructor (private readonly listener: WidgetListener) {}

  get phase (): WidgetPhase { return this.#phase }
  /** Why the widget could not start (relay address, storage). */
  get failure (): string | null { return this.#failure }
  /** Why the chosen conversation is not shown. */
  get problem (): string | null { return this.#problem }
  get status (): ConnectionStatus { return this.#client?.status ?? 'connecting' }
  /** Why the relay refused this person or this page ('invite-required', 'relay-newer', …), or null. */
  get refusal (): string | null { return this.#client?.refusal ?? null }
  get me (): string | null { return this.#client?.me.user_id ?? null }
  get title (): string { return this.#client && this.#target ? targetTitle(this.#client, this.#target) : '' }
  /** The open conversation's newest messages, oldest first. */
  get messages (): readonly Message[] { return this.#messages }
  get open (): boolean { return this.#conversation !== null }
  /** Messages hidden because their sender's signature does not verify (possible forgeries). */
  get unverified (): number { return this.#unverified }

  isPending (message_id: string): boolean { return this.#pending.has(message_id) }
  nameOf (user_id: string): string { return this.#client?.user(user_id)?.name ?? 'Unknown' }

  /**
   * Opens the person stored in this browser (the same identity and documents as the app on
   * this origin) over the relay at `url`; joins with `name` if they have no profile yet.
   */
  async start (url: string, name: string | null): Promise<void> {
    try {
      const { identity, created } = await loadIdentity()
      const client = await openBrowserClient({ identity, url })
      if (this.#closed) return void await client.close()
      this.#client = client
      this.#answer = new TargetAnswer(client, () => {
        this.#openTarget()
        this.listener.changed()
      })
      this.#unsubscribeClient = client.subscribe(change => this.#clientChanged(change))
      if (!this.#networkUp) client.setOnline(false)
      await awaitProfile(client, created)
      if (this.#closed) return
      if (client.profile() === null && name?.trim()) client.setProfile({ name })
      this.#phase = client.profile() === null ? 'join' : 'ready'
      this.#openTarget()
    } catch (error) {
      if (this.#closed) return
      this.#phase = 'failed'
      this.#failure = describeError(error)
    }
    this.listener.changed()
  }

  /** First use with no `name`: publishes the profile; throws with a readable message for a bad name. */
  join (name: string): void {
    this.#client?.setProfile({ name })
    this.#phase = 'ready'
    this.#openTarget()
    this.listener.changed()
  }

  /** The `name` attribute changed: the display name follows it. */
  rename (name: string | null): void {
    const client = this.#client
    if (!client || !name?.trim() || client.profile()?.name === name.trim()) return
    try {
      this.join(name)
    } catch (error) {
      this.#problem = describeError(error)
      this.listener.changed()
    }
  }

  /** Shows the conversation named by a `conversation` attribute value. */
  choose (value: string | null): void {
    this.#targetValue = value
    this.#openTarget()
    this.listener.changed()
  }

  /** The browser lost (false) or regained (true) its network. */
  setNetworkUp (up: boolean): void {
    this.#networkUp = up
    this.#client?.setOnline(up)
  }

  async send (content: string): Promise<Message> {
    if (!this.#conversation) throw new Error('No conversation is open.')
    return this.#conversation.send(content)
  }

  #clientChanged (change: DirectoryChange): void {
    if (change === 'status' && this.#client?.status === 'connected') this.#answer?.connected(this.#target)
    if (change === 'users' || change === 'groups') this.#openTarget()
    if (change !== 'conversations') this.listener.changed()
  }

  /** Opens the chosen conversation if it can be, else closes the one shown and says why. */
  #openTarget (): void {
    const client = this.#client
    const answer = this.#answer
    if (!client || !answer || this.#phase !== 'ready' || this.#closed) return
    const parsed = parseTarget(this.#targetValue)
    this.#target = parsed.ok ? parsed.target : null
    answer.choose(this.#target)
    const problem = parsed.ok ? targetProblem(client, parsed.target, answer.answered) : parsed.problem
    this.#problem = problem
    const key = parsed.ok && problem === null ? choiceKey(parsed.target) : null
    if (key === this.#conversationKey) return
    this.#conversationKey = key
    // NOTE: an open still under way is for the conversation chosen before: it must not show up.
    this.#opening.cancel()
    this.#replaceConversation(null)
    if (key === null || !parsed.ok) return
    const target = parsed.target
    void this.#opening.open(() => openChoice(client, target), {
      opened: conversation => this.#replaceConversation(conversation),
      failed: error => {
        this.#conversationKey = null
        this.#problem = describeError(error)
        this.listener.changed()
      }
    })
  }

  #replaceConversation (conversation: Conversation | null): void {
    this.#unsubscribeConversation?.()
    this.#unsubscribeConversation = null
    void this.#conversation?.close()
    this.#conversation = conversation
    this.#messages = []
    this.#pending = new Set()
    this.#unverified = 0
    this.#arrivals = new Arrivals(this.me)
    if (conversation) {
      this.#unsubscribeConversation = conversation.subscribe(() => this.#scheduleRead())
      this.#scheduleRead()
    }
    this.listener.changed()
  }

  /** Changes come in bursts: at most one read waits at a time. */
  #scheduleRead (): void {
    this.#reads.schedule(() => this.#read())
  }

  async #read (): Promise<void> {
    const conversation = this.#conversation
    if (!conversation) return
    const page = await conversation.history({ limit: SHOWN_MESSAGES })
    if (conversation !== this.#conversation) return
    const messages = page.messages.slice().reverse()
    for (const message of this.#arrivals.sift(messages)) this.listener.received(message)
    this.#messages = messages
    this.#pending = pendingIds(conversation, messages)
    this.#unverified = conversation.unverified
    // Read marks keep the unread counts right in the app, for this person on every device.
    if (typeof document === 'undefined' || document.visibilityState === 'visible') conversation.markRead()
    this.listener.changed()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#opening.cancel()
    this.#answer?.close()
    this.#reads.close()
    this.#unsubscribeConversation?.()
    this.#unsubscribeClient?.()
    await this.#conversation?.close()
    await this.#client?.close()
  }
}
