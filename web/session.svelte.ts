// The app's view model: one person's ParleyClient, the sidebar's lists and the open conversation, as Svelte state.
import {
  ParleyClient,
  indexeddbStorage,
  muxNetwork,
  type ConnectionStatus,
  type ConversationSummary,
  type DirectoryChange,
  type Group,
  type Identity,
  type RevertedChange,
  type User
} from '../shared'
import { ConversationView } from './conversation-view.svelte'
import { saveInvite } from './invite'
import { groupEntries, userEntries, type GroupEntry, type UserEntry } from './sidebar-entries'

/** What the conversation pane shows: a direct conversation with someone, or a group. */
export type Selection =
  | { kind: 'direct'; user_id: string }
  | { kind: 'group'; group_id: string }

/** Longest delay before the conversation list shows a change. */
const SUMMARY_DELAY_MS = 50

/** With no local profile (storage cleared), it may still be on the relay: wait this long for it before asking for a name. */
const FIRST_SYNC_WAIT_MS = 2000

export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

/** What a person is told when the relay refused one of their changes. */
export const describeRejection = (reason: string | null): string => {
  const why = reason === 'not-an-admin'
    ? 'only the group\'s admins may make that change'
    : reason === 'not-yours' ? 'it was not yours to change'
      : reason === 'deleted-for-good' ? 'it was deleted, and deleted things stay deleted'
        : reason === 'over-quota' ? 'you have stored as much as this relay allows in that place'
          : `the relay said "${reason ?? 'refused'}"`
  return `The relay refused your change (${why}); others do not see it.`
}

/** Why the relay refused a change that this device has since undone, as the end of a sentence. */
const revertedWhy = ({ reason, subject }: RevertedChange): string => {
  switch (reason) {
    case 'not-an-admin': return subject.kind === 'group' ? 'you are no longer an admin' : 'only the group\'s admins may make that change'
    case 'not-yours': return 'it was not yours to change'
    case 'deleted-for-good': return 'it was deleted, and deleted things stay deleted'
    case 'over-quota': return 'you have stored as much as this relay allows in that place'
    case 'unknown-field': return 'it holds something this relay does not know (is the app newer than the relay?)'
    case 'invalid-value': return 'the relay found it invalid'
    default: return `the relay said "${reason}"`
  }
}

/** What a person is told once a refused change of theirs has been undone on this device. */
export const describeReverted = (change: RevertedChange): string => {
  const { subject } = change
  const what = subject.kind === 'group'
    ? subject.name === null ? 'Your change to a group' : `Your change to the group '${subject.name}'`
    : subject.kind === 'profile' ? 'Your change to your profile'
      : subject.kind === 'conversation' ? 'Your change in a conversation' : 'One of your changes'
  return `${what} was refused by the relay: ${revertedWhy(change)}. This device now shows what everyone else sees.`
}

export const selectionKey = (selection: Selection): string =>
  selection.kind === 'direct' ? `direct:${selection.user_id}` : `group:${selection.group_id}`

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
  /** The page is not parked in the back/forward cache. */
  #pageShown = true
  /** The browser says it has a network (navigator.onLine). */
  #networkUp = true
  #usersById = $derived(new Map(this.#users.map(user => [user.user_id, user])))
  #summariesByRoom = $derived(new Map(this.#summaries.map(summary => [summary.room, summary])))
  #userEntries = $derived(userEntries(this.#users, this.me, this.#online, this.#summaries))
  #groupEntries = $derived(groupEntries(this.#groups, this.#summaries))
  #summaryTimer: ReturnType<typeof setTimeout> | null = null
  /** Counts open() calls, so that a slow open overtaken by a newer one is dropped. */
  #opening = 0
  #closed = false
  readonly client: ParleyClient
  readonly #unsubscribe: () => void

  /** A session over an open client, which it closes with itself; `Session.open` opens the app's. */
  constructor (client: ParleyClient) {
    this.client = client
    this.#refresh()
    this.#unsubscribe = client.subscribe(change => this.#refresh(change))
  }

  /**
   * Opens the person's client over the relay at `url` (every room on one socket), with their
   * documents kept in IndexedDB. `created` says the identity is brand new: no profile to wait for.
   */
  static async open ({ identity, url, created = false, invite = '' }: { identity: Identity; url: string; created?: boolean; invite?: string }): Promise<Session> {
    const client = await ParleyClient.open({
      identity,
      network: muxNetwork({ url, identity, invite }),
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
  /** Everyone else, by name. */
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

  nameOf (user_id: string): string {
    return this.#usersById.get(user_id)?.name ?? 'Unknown'
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
  createGroup (name: string, user_ids: string[]): Group {
    const group = this.client.createGroup({ name, user_ids })
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
    if (this.#selection !== null && selectionKey(this.#selection) === selectionKey(selection)) return
    const attempt = ++this.#opening
    this.#replaceView(null)
    this.#selection = selection
    this.#problem = null
    this.#notice = null
    try {
      const conversation = selection.kind === 'direct'
        ? await this.client.openDirect(selection.user_id)
        : await this.client.openGroup(selection.group_id)
      if (attempt !== this.#opening || this.#closed) {
        await conversation.close()
        return
      }
      this.#view = new ConversationView(conversation)
    } catch (error) {
      if (attempt === this.#opening) this.#problem = describeError(error)
    }
  }

  /** Back to no conversation (the list, on a phone). */
  closeConversation (): void {
    this.#opening++
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
    this.#unsubscribe()
    if (this.#summaryTimer !== null) clearTimeout(this.#summaryTimer)
    await this.#view?.close()
    await this.client.close()
  }
}
