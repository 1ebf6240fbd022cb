// The app's view model: one person's ParleyClient, the sidebar's lists and the open conversation, as Svelte state.
import type { ConnectionStatus, ConversationSummary, DirectoryChange, Group, Identity, ParleyClient, User } from '../client'
import { ConversationView } from './conversation-view.svelte'
import { awaitProfile, openBrowserClient } from './core/client-start'
import { choiceKey, openChoice, type ConversationChoice } from './core/conversation-choice'
import { describeError, describeRejection, describeReverted } from './core/errors'
import { LatestOpen } from './core/latest-open'
import { saveInvite } from './invite'
import { PeopleSearch } from './people-search.svelte'
import { groupEntries, userEntries, type GroupEntry, type UserEntry } from './sidebar-entries'

/** What the conversation pane shows: a direct conversation with someone, or a group. */
export type Selection = ConversationChoice

/** Longest delay before the conversation list shows a change. */
const SUMMARY_DELAY_MS = 50

export class Session {
  #profile = $state.raw<User | null>(null)
  #users = $state.raw<User[]>([])
  #online = $state.raw<ReadonlySet<string>>(new Set())
  #groups = $state.raw<Group[]>([])
  #summaries = $state.raw<ConversationSummary[]>([])
  #status = $state<ConnectionStatus>('connecting')
  #refusal = $state<string | null>(null)
  #selection = $state.raw<Selection | null>(null)
  #view = $state.raw<ConversationView | null>(null)
  #problem = $state<string | null>(null)
  #notice = $state<string | null>(null)
  #rejection = $state<string | null>(null)
  #workingOffline = $state(false)
  /** People chosen from a search, by id: their names show before their profiles arrive. */
  #found = $state.raw<ReadonlyMap<string, User>>(new Map())
  /** The relay was asked whom it lets one find since the link last came up (asked once per connection). */
  #peopleAsked = false
  /** The page is not parked in the back/forward cache. */
  #pageShown = true
  /** The browser says it has a network (navigator.onLine). */
  #networkUp = true
  #usersById = $derived(new Map(this.#users.map(user => [user.user_id, user])))
  #strangers = $derived.by(() => this.people.everyone.people.filter(user => !this.#usersById.has(user.user_id)))
  #summariesByRoom = $derived(new Map(this.#summaries.map(summary => [summary.room, summary])))
  #userEntries = $derived(userEntries(this.#users, this.me, this.#online, this.#summaries))
  #groupEntries = $derived(groupEntries(this.#groups, this.#summaries))
  #summaryTimer: ReturnType<typeof setTimeout> | null = null
  /** A slow open overtaken by a newer one (or by closing) is dropped. */
  readonly #opening = new LatestOpen()
  #closed = false
  readonly client: ParleyClient
  /** Finding people on the relay: the sidebar's search and its list of everyone. */
  readonly people: PeopleSearch
  readonly #unsubscribe: () => void

  /** A session over an open client, which it closes with itself; `Session.open` opens the app's. */
  constructor (client: ParleyClient) {
    this.client = client
    this.people = new PeopleSearch(client)
    this.#refresh()
    this.#unsubscribe = client.subscribe(change => this.#refresh(change))
  }

  /**
   * Opens the person's client over the relay at `url` (every room on one socket), with their
   * documents kept in IndexedDB. `created` says the identity is brand new: no profile to wait for.
   */
  static async open ({ identity, url, created = false, invite = '' }: { identity: Identity; url: string; created?: boolean; invite?: string }): Promise<Session> {
    const client = await openBrowserClient({ identity, url, invite })
    await awaitProfile(client, created)
    return new Session(client)
  }

  /** Re-reads what a change touched; with no change, everything. */
  #refresh (change?: DirectoryChange): void {
    const client = this.client
    if (change === undefined || change === 'users') {
      this.#users = client.users()
      this.#profile = client.profile()
    }
    if (change === undefined || change === 'groups') {
      this.#groups = client.groups()
      this.#closeLostGroup()
    }
    // NOTE: one's own presence depends on the connection, so a status change re-reads it too.
    if (change === undefined || change === 'presence' || change === 'status') {
      this.#online = new Set(client.online().map(user => user.user_id))
    }
    if (change === undefined || change === 'status') {
      this.#status = client.status
      this.#refusal = client.refusal
    }
    if (change === undefined || change === 'groups') this.#summaries = client.conversations()
    if (change === 'conversations') this.#scheduleSummaries()
    if (change === 'rejected') this.#rejection = describeRejection(client.lastRejection)
    if (change === 'reverted' && client.lastReverted) this.#rejection = describeReverted(client.lastReverted)
    if (change === undefined || change === 'status' || change === 'users') this.#askPeopleOnConnect()
  }

  /**
   * Asks the relay whom it lets one find, and for the first page of everyone, once connected with
   * a profile, and again on each reconnection, so the list is as fresh as the link.
   */
  #askPeopleOnConnect (): void {
    const ready = this.client.status === 'connected' && this.#profile !== null
    if (ready && !this.#peopleAsked) void this.people.refresh()
    this.#peopleAsked = ready
  }

  /**
   * NOTE: activity comes in bursts (a conversation catching up sends one change per message);
   * the list is re-read at most every SUMMARY_DELAY_MS. Not animation frames: those stop in
   * background tabs, whose title still counts what is unread.
   */
  #scheduleSummaries (): void {
    if (this.#summaryTimer !== null) return
    this.#summaryTimer = setTimeout(() => {
      this.#summaryTimer = null
      if (!this.#closed) this.#summaries = this.client.conversations()
    }, SUMMARY_DELAY_MS)
  }

  /** The open group was deleted, or one was removed from it: close it. */
  #closeLostGroup (): void {
    const selection = this.#selection
    if (selection?.kind !== 'group' || this.#groups.some(group => group.group_id === selection.group_id)) return
    this.closeConversation()
    this.#notice = 'That group was deleted, or you are no longer in it.'
  }

  get me (): string { return this.client.me.user_id }
  /** One's own profile; null until one has joined with a name. */
  get profile (): User | null { return this.#profile }
  /** Everyone else, recent conversations first, then by name. */
  get userEntries (): readonly UserEntry[] { return this.#userEntries }
  /** One's groups, recent conversations first, then by name. */
  get groupEntries (): readonly GroupEntry[] { return this.#groupEntries }
  /** Everyone on the relay this device does not know yet (a page at a time), where the relay lists everyone. */
  get strangers (): User[] { return this.#strangers }
  /** The people this device knows but oneself (contacts and whoever was looked up), by name. */
  get others (): User[] { return this.#users.filter(user => user.user_id !== this.me) }
  get status (): ConnectionStatus { return this.#status }
  /** Why the relay refused this person ('invite-required', …), or null. */
  get refusal (): string | null { return this.#refusal }

  /** Offers an invitation (kept for later starts) and connects again with it. */
  enterInvite (invite: string): void {
    saveInvite(invite)
    this.client.setInvite(invite)
  }
  get selection (): Selection | null { return this.#selection }
  /** The selected conversation once it is open; null while it opens. */
  get view (): ConversationView | null { return this.#view }
  /** Why the last open failed, for the person to read. */
  get problem (): string | null { return this.#problem }
  /** Something that happened to the open conversation (its group went away). */
  get notice (): string | null { return this.#notice }
  /** That the relay refused one of one's changes, in words, until dismissed. */
  get rejection (): string | null { return this.#rejection }
  dismissRejection (): void { this.#rejection = null }
  get unreadTotal (): number { return this.#summaries.reduce((sum, summary) => sum + summary.unread, 0) }

  /** Whether the person chose to work offline (Settings). */
  get workingOffline (): boolean { return this.#workingOffline }

  setWorkingOffline (offline: boolean): void {
    this.#workingOffline = offline
    this.#applyOnline()
  }

  /**
   * The page was put away in the back/forward cache (false) or came back (true).
   * NOTE: a cached page keeps its socket open and would still look online to others.
   */
  setPageShown (shown: boolean): void {
    this.#pageShown = shown
    this.#applyOnline()
  }

  /**
   * The browser lost (false) or regained (true) its network.
   * NOTE: a socket may stay open, silent, when the network goes; the browser's word is quicker.
   */
  setNetworkUp (up: boolean): void {
    this.#networkUp = up
    this.#applyOnline()
  }

  #applyOnline (): void {
    this.client.setOnline(this.#pageShown && this.#networkUp && !this.#workingOffline)
  }

  isOnline (user_id: string): boolean { return this.#online.has(user_id) }

  /** Whether someone is online; null when this device does not follow them (a stranger found on the relay). */
  presenceOf (user_id: string): boolean | null {
    return this.#usersById.has(user_id) ? this.#online.has(user_id) : null
  }

  nameOf (user_id: string): string {
    return this.#usersById.get(user_id)?.name ?? this.#found.get(user_id)?.name ?? 'Unknown'
  }

  summaryOf (room: string): ConversationSummary | null {
    return this.#summariesByRoom.get(room) ?? null
  }

  /** The open group, if a group is open. */
  get selectedGroup (): Group | null {
    const selection = this.#selection
    if (selection?.kind !== 'group') return null
    return this.#groups.find(group => group.group_id === selection.group_id) ?? null
  }

  isAdmin (group: Group): boolean { return group.admin_ids.includes(this.me) }

  /** The selected conversation's title: the other person's or the group's name. */
  get title (): string {
    const selection = this.#selection
    if (selection === null) return ''
    if (selection.kind === 'direct') return this.nameOf(selection.user_id)
    return this.selectedGroup?.name ?? 'Group'
  }

  /** Publishes one's profile, or renames oneself; throws a ParleyError with a readable message for a bad name. */
  setName (name: string): void {
    this.client.setProfile({ name })
  }

  /** Creates a group with oneself as admin and opens it. */
  async createGroup (name: string, user_ids: string[]): Promise<Group> {
    const group = await this.client.createGroup({ name, user_ids })
    void this.open({ kind: 'group', group_id: group.group_id })
    return group
  }

  renameGroup (group_id: string, name: string): void { this.client.renameGroup(group_id, name) }
  addMembers (group_id: string, user_ids: string[]): void { this.client.addMembers(group_id, user_ids) }
  removeMember (group_id: string, user_id: string): void { this.client.removeMembers(group_id, [user_id]) }
  deleteGroup (group_id: string): void { this.client.deleteGroup(group_id) }

  leaveGroup (group_id: string): void {
    this.client.removeMembers(group_id, [this.me])
  }

  /** Switches the pane to `selection`, closing the conversation shown before. */
  async open (selection: Selection): Promise<void> {
    if (this.#closed) return
    if (this.#selection !== null && choiceKey(this.#selection) === choiceKey(selection)) return
    this.#replaceView(null)
    this.#selection = selection
    this.#problem = null
    this.#notice = null
    await this.#opening.open(() => openChoice(this.client, selection), {
      opened: conversation => { this.#view = new ConversationView(conversation) },
      failed: error => { this.#problem = describeError(error) }
    })
  }

  /** Opens the direct conversation with someone found on the relay (the client looks them up), and empties the search. */
  openPerson (user: User): Promise<void> {
    this.#found = new Map(this.#found).set(user.user_id, user)
    this.people.clear()
    return this.open({ kind: 'direct', user_id: user.user_id })
  }

  /** Back to no conversation (the list, on a phone). */
  closeConversation (): void {
    this.#opening.cancel()
    this.#replaceView(null)
    this.#selection = null
    this.#problem = null
  }

  #replaceView (view: ConversationView | null): void {
    const previous = this.#view
    this.#view = view
    void previous?.close()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#opening.cancel()
    this.#unsubscribe()
    this.people.close()
    if (this.#summaryTimer !== null) clearTimeout(this.#summaryTimer)
    await this.#view?.close()
    await this.client.close()
  }
}
