// Baseline (before the receive path applied changes): the open conversation as Svelte state, re-reading its pages on every change.
import type { Conversation, Message } from '../../client'
import { isPendingBefore } from './receive-pending'
import { MAX_KEPT, MessageWindow } from './receive-window'

/*
 * NOTE: web/conversation-view.svelte.ts as it was, kept only as the `receive` benchmark's
 * baseline; never used by the product. Every notification re-read the window's pages
 * (MessageWindow.reload) and asked, for every message on screen, whether it was pending.
 * Copied as it was, imports and the pending scan (receive-pending.ts) aside: do not fix it.
 */

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value, i) => value === b[i])

export class ConversationView {
  #messages = $state.raw<Message[]>([])
  #pending = $state.raw<ReadonlySet<string>>(new Set())
  #typing = $state.raw<string[]>([])
  #unverified = $state(0)
  #loaded = $state(false)
  #live = $state(true)
  #hasOlder = $state(false)
  #loadingOlder = $state(false)
  #loadingNewer = $state(false)
  readonly #window: MessageWindow
  /** Every read of history runs in turn, so that pages never interleave. */
  #queue: Promise<void> = Promise.resolve()
  #reloadQueued = false
  #closed = false
  readonly #unsubscribe: () => void

  constructor (readonly conversation: Conversation) {
    this.#window = new MessageWindow(conversation)
    this.#unsubscribe = conversation.subscribe(() => {
      this.#readTyping()
      this.#scheduleReload()
    })
    this.#readTyping()
    void this.#run(() => this.#window.latest())
  }

  /** The room name: the key of this conversation's summary. */
  get room (): string { return this.conversation.room }
  /** Oldest first. */
  get messages (): readonly Message[] { return this.#messages }
  /** False until the first page is in. */
  get loaded (): boolean { return this.#loaded }
  /** Whether the newest message is in the window, so new ones appear as they come. */
  get live (): boolean { return this.#live }
  get hasOlder (): boolean { return this.#hasOlder }
  get loadingOlder (): boolean { return this.#loadingOlder }
  /** User ids of the others typing here now. */
  get typing (): readonly string[] { return this.#typing }
  /** Messages in the loaded history whose sender's signature does not verify: hidden, only counted. */
  get unverified (): number { return this.#unverified }

  /** True until the relay has written the message (own messages only). */
  isPending (message_id: string): boolean { return this.#pending.has(message_id) }

  #run (task: () => Promise<unknown>): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#closed) return
      await task()
      if (!this.#closed) this.#publish()
    }).catch(error => {
      if (!this.#closed) console.error('parley: reading the conversation failed', error)
    })
    this.#queue = run
    return run
  }

  /** NOTE: changes come in bursts (a bucket syncing): at most one reload waits at a time. */
  #scheduleReload (): void {
    if (this.#reloadQueued) return
    this.#reloadQueued = true
    void this.#run(() => {
      this.#reloadQueued = false
      return this.#window.reload()
    })
  }

  #publish (): void {
    const messages = this.#window.ascending()
    const pending = new Set<string>()
    for (const message of messages) {
      if (isPendingBefore(this.conversation, message.message_id)) pending.add(message.message_id)
    }
    this.#messages = messages
    this.#pending = pending
    this.#live = this.#window.live
    this.#hasOlder = this.#window.hasOlder
    this.#unverified = this.conversation.unverified
    this.#loaded = true
  }

  #readTyping (): void {
    if (this.#closed) return
    const typing = this.conversation.typing()
    if (!sameList(typing, this.#typing)) this.#typing = typing
  }

  /** Adds the next older page at the top (the log keeps its scroll position). */
  async loadOlder (): Promise<void> {
    if (this.#loadingOlder || !this.#hasOlder) return
    this.#loadingOlder = true
    await this.#run(() => this.#window.older())
    this.#loadingOlder = false
  }

  /** Reads back newer messages dropped while scrolling up. */
  async loadNewer (): Promise<void> {
    if (this.#loadingNewer || this.#live) return
    this.#loadingNewer = true
    await this.#run(() => this.#window.newer())
    this.#loadingNewer = false
  }

  /** Jumps back to the newest messages. */
  showLatest (): Promise<void> {
    return this.#run(() => this.#window.latest())
  }

  /** At the newest end: drop the oldest pages beyond the bound. */
  keepNewest (): void {
    if (this.#live && this.#messages.length > MAX_KEPT) void this.#run(async () => this.#window.keepNewest())
  }

  async send (content: string): Promise<void> {
    if (!this.#live) await this.showLatest()
    await this.conversation.send(content)
  }

  async edit (message_id: string, content: string): Promise<void> {
    await this.conversation.edit(message_id, content)
  }

  async delete (message_id: string): Promise<void> {
    await this.conversation.delete(message_id)
  }

  markRead (): void {
    if (!this.#closed) this.conversation.markRead()
  }

  setTyping (typing: boolean): void {
    if (!this.#closed) this.conversation.setTyping(typing)
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#unsubscribe()
    this.#closed = true
    await this.conversation.close()
  }
}
