// The app's view model: one person's ParleyClient and the open conversation, as Svelte state.
import {
  ParleyClient,
  indexeddbStorage,
  websocketNetwork,
  type ConnectionStatus,
  type Conversation,
  type DirectoryChange,
  type Group,
  type Identity,
  type Message,
  type User
} from '../shared'

/** What the conversation pane shows: a direct conversation with someone, or a group. */
export type Selection =
  | { kind: 'direct'; user_id: string }
  | { kind: 'group'; group_id: string }

/** How many of the newest messages the pane shows. */
const HISTORY_LIMIT = 50

/** With no local profile (storage cleared), it may still be on the relay: wait this long for it before asking for a name. */
const FIRST_SYNC_WAIT_MS = 2000

export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

export const selectionKey = (selection: Selection): string =>
  selection.kind === 'direct' ? `direct:${selection.user_id}` : `group:${selection.group_id}`

/** A conversation's newest messages, oldest first, kept current as the conversation changes. */
export class OpenConversation {
  #messages = $state.raw<Message[]>([])
  #loaded = $state(false)
  #refreshing = false
  #stale = false
  #closed = false
  readonly conversation: Conversation
  readonly #unsubscribe: () => void

  constructor (conversation: Conversation) {
    this.conversation = conversation
    this.#unsubscribe = conversation.subscribe(() => { void this.#refresh() })
    void this.#refresh()
  }

  get messages (): readonly Message[] { return this.#messages }

  /** False until the first page of history is in. */
  get loaded (): boolean { return this.#loaded }

  /**
   * NOTE: changes arrive in bursts (a whole bucket syncing), and history() is async:
   * at most one read runs at a time, and one more follows if anything changed meanwhile.
   */
  async #refresh (): Promise<void> {
    if (this.#refreshing) {
      this.#stale = true
      return
    }
    this.#refreshing = true
    try {
      do {
        this.#stale = false
        const page = await this.conversation.history({ limit: HISTORY_LIMIT })
        if (this.#closed) return
        this.#messages = [...page.messages].reverse()
        this.#loaded = true
      } while (this.#stale)
    } catch (error) {
      if (!this.#closed) console.error('parley: reading the conversation failed', error)
    } finally {
      this.#refreshing = false
    }
  }

  async send (content: string): Promise<void> {
    await this.conversation.send(content)
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#unsubscribe()
    await this.conversation.close()
  }
}

export class Session {
  #profile = $state.raw<User | null>(null)
  #users = $state.raw<User[]>([])
  #online = $state.raw<ReadonlySet<string>>(new Set())
  #groups = $state.raw<Group[]>([])
  #status = $state<ConnectionStatus>('connecting')
  #selection = $state.raw<Selection | null>(null)
  #conversation = $state.raw<OpenConversation | null>(null)
  #problem = $state<string | null>(null)
  #usersById = $derived(new Map(this.#users.map(user => [user.user_id, user])))
  /** Counts open() calls, so that a slow open overtaken by a newer one is dropped. */
  #opening = 0
  #closed = false
  readonly client: ParleyClient
  readonly #unsubscribe: () => void

  private constructor (client: ParleyClient) {
    this.client = client
    this.#refresh()
    this.#unsubscribe = client.subscribe(change => this.#refresh(change))
  }

  /**
   * Opens the person's client over the relay at `url`, with their documents kept in IndexedDB.
   * `created` says the identity is brand new, so there is no profile to wait for.
   */
  static async open ({ identity, url, created = false }: { identity: Identity; url: string; created?: boolean }): Promise<Session> {
    const client = await ParleyClient.open({
      identity,
      network: websocketNetwork({ url }),
      storage: indexeddbStorage({ prefix: `parley/${identity.user_id}/` })
    })
    if (!created && client.profile() === null) await client.whenSynced(FIRST_SYNC_WAIT_MS)
    return new Session(client)
  }

  /** Re-reads what a change touched; with no change, everything. */
  #refresh (change?: DirectoryChange): void {
    const client = this.client
    if (change === undefined || change === 'users') {
      this.#users = client.users()
      this.#profile = client.profile()
    }
    if (change === undefined || change === 'groups') this.#groups = client.groups()
    // NOTE: one's own presence depends on the connection, so a status change re-reads it too.
    if (change === undefined || change === 'presence' || change === 'status') {
      this.#online = new Set(client.online().map(user => user.user_id))
    }
    if (change === undefined || change === 'status') this.#status = client.status
  }

  get me (): string { return this.client.me.user_id }
  /** One's own profile; null until one has joined with a name. */
  get profile (): User | null { return this.#profile }
  /** Everyone else, by name. */
  get others (): User[] { return this.#users.filter(user => user.user_id !== this.me) }
  get users (): readonly User[] { return this.#users }
  /** The user ids with a live connection to the relay. */
  get online (): ReadonlySet<string> { return this.#online }
  get groups (): readonly Group[] { return this.#groups }
  get status (): ConnectionStatus { return this.#status }
  get selection (): Selection | null { return this.#selection }
  /** The selected conversation once it is open; null while it opens. */
  get conversation (): OpenConversation | null { return this.#conversation }
  /** Why the last open failed, for the person to read. */
  get problem (): string | null { return this.#problem }

  nameOf (user_id: string): string {
    return this.#usersById.get(user_id)?.name ?? 'Unknown'
  }

  /** The selected conversation's title: the other person's or the group's name. */
  get title (): string {
    const selection = this.#selection
    if (selection === null) return ''
    if (selection.kind === 'direct') return this.nameOf(selection.user_id)
    return this.#groups.find(group => group.group_id === selection.group_id)?.name ?? 'Group'
  }

  /** Publishes one's profile; throws a ParleyError with a readable message for a bad name. */
  join (name: string): void {
    this.client.setProfile({ name })
  }

  /** Switches the pane to `selection`, closing the conversation shown before. */
  async open (selection: Selection): Promise<void> {
    if (this.#closed) return
    if (this.#selection !== null && selectionKey(this.#selection) === selectionKey(selection)) return
    const attempt = ++this.#opening
    const previous = this.#conversation
    this.#selection = selection
    this.#conversation = null
    this.#problem = null
    void previous?.close()
    try {
      const conversation = selection.kind === 'direct'
        ? await this.client.openDirect(selection.user_id)
        : await this.client.openGroup(selection.group_id)
      if (attempt !== this.#opening || this.#closed) {
        await conversation.close()
        return
      }
      this.#conversation = new OpenConversation(conversation)
    } catch (error) {
      if (attempt === this.#opening) this.#problem = describeError(error)
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unsubscribe()
    await this.#conversation?.close()
    await this.client.close()
  }
}
