// The open conversation as Svelte state: the messages on screen, who is typing, and what one can do.
import type { Conversation, Message } from '../shared'
import { pendingIds } from './core/message-marks'
import { ReadQueue } from './core/read-queue'
import { MAX_KEPT, MessageWindow } from './message-window'

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
  readonly #reads = new ReadQueue()
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
    return this.#reads.run(this.#publishing(task))
  }

  /** Changes come in bursts: at most one reload waits at a time. */
  #scheduleReload (): void {
    this.#reads.schedule(this.#publishing(() => this.#window.reload()))
  }

  /** `task`, then what the window holds shown (unless closed meanwhile). */
  #publishing (task: () => Promise<unknown>): () => Promise<void> {
    return async () => {
      await task()
      if (!this.#closed) this.#publish()
    }
  }

  #publish (): void {
    const messages = this.#window.ascending()
    this.#messages = messages
    this.#pending = pendingIds(this.conversation, messages)
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
    this.#reads.close()
    await this.conversation.close()
  }
}
