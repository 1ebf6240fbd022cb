// The open conversation as Svelte state: the messages on screen, who is typing, and what one can do.
import type { Conversation, ConversationChange, Message } from '../client'
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
  /** Message ids told changed and not applied yet, by bucket; and those whose pending state changed. */
  #changed = new Map<number, Set<string>>()
  #pendingChanged = new Set<string>()
  #closed = false
  readonly #unsubscribe: () => void

  constructor (readonly conversation: Conversation) {
    this.#window = new MessageWindow(conversation)
    this.#unsubscribe = conversation.subscribe(change => {
      this.#readTyping()
      this.#noteChange(change)
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

  /** `task` in turn with every other read of history, then what it changed shown (unless closed meanwhile). */
  #run (task: () => Promise<unknown>, publish: () => void = () => this.#publish()): Promise<void> {
    return this.#reads.run(async () => {
      await task()
      if (!this.#closed) publish()
    })
  }

  /**
   * Takes note of what changed, to apply it to the window in turn with reads of history.
   * NOTE: changes come in bursts (a bucket syncing): they gather while at most one apply waits.
   */
  #noteChange ({ messages, pending }: ConversationChange): void {
    for (const { bucket, added, changed, removed } of messages) {
      let ids = this.#changed.get(bucket)
      if (!ids) this.#changed.set(bucket, ids = new Set())
      for (const list of [added, changed, removed]) for (const id of list) ids.add(id)
    }
    for (const id of pending) this.#pendingChanged.add(id)
    if (messages.length === 0 && pending.length === 0) return
    this.#reads.schedule(async () => {
      const changed = this.#changed
      const told = [this.#pendingChanged, ...changed.values()]
      this.#changed = new Map()
      this.#pendingChanged = new Set()
      let moved = false
      for (const [bucket, ids] of changed) if (await this.#window.apply(bucket, ids)) moved = true
      if (!this.#closed) this.#publishApplied(moved, told)
    })
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

  /** After applying changes: the messages if any moved, and the pending state of those told. */
  #publishApplied (moved: boolean, told: ReadonlyArray<ReadonlySet<string>>): void {
    if (moved) this.#messages = this.#window.ascending()
    let pending: Set<string> | null = null
    for (const ids of told) {
      for (const id of ids) {
        const now = this.conversation.isPending(id)
        if (now === (pending ?? this.#pending).has(id)) continue
        pending ??= new Set(this.#pending)
        if (now) pending.add(id)
        else pending.delete(id)
      }
    }
    if (pending) this.#pending = pending
    this.#unverified = this.conversation.unverified
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
