// The Parley API: one object per signed-in user, shared by the app, the widget, scripts and tests.
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { ParleyError } from '../shared/errors'
import type { Identity } from '../shared/identity'
import { isId, randomId } from '../shared/ids'
import { LIMITS, parseActiveUser, parseGroup, parseUser, type ActiveUser, type Group, type User } from '../shared/model'
import { LOCAL_ORIGIN } from '../shared/origin'
import {
  MAX_PAGE_SIZE, conversationRoom, directConversation, groupConversation, parseRoom, profileRoom, userRoom, type ConversationRef, type UpdateRefusal
} from '../shared/protocol'
import { groupRecord, profileRecord, userConversations, userReads } from '../shared/schema'
import { monotonicClock, systemClock, timestamp, type Clock } from '../shared/time'
import { Conversation } from './conversation/conversation'
import { Inbox, type ConversationSummary } from './views/inbox'
import { Outbox } from './outbox'
import { Replica, type Reverted } from './replica'
import { ReplicaPool } from './replica-pool'
import type { ConnectionStatus, Network, PeoplePage, Storage } from './transport'
import { GroupBook } from './views/group-book'
import { ProfileBook } from './views/profile-book'

/** How long a room's first sync is waited for, by default, when the relay is reachable. */
export const DEFAULT_SYNC_WAIT_MS = 5000

export interface ParleyOptions {
  identity: Identity
  network: Network
  storage: Storage
  clock?: Clock
  /** Longest wait for a room's first sync when the relay is reachable (default DEFAULT_SYNC_WAIT_MS). */
  syncWaitMs?: number
}

/**
 * 'rejected': the relay refused one of one's changes to profiles or groups (see lastRejection).
 * 'reverted': a room where the relay refused one of one's changes now shows what everyone else
 * sees, on this device and after a reload (see lastReverted).
 */
export type DirectoryChange = 'users' | 'groups' | 'presence' | 'status' | 'conversations' | 'rejected' | 'reverted'

/** What a refused change was to, as this device shows it once rebuilt. */
export type RevertedSubject =
  | { kind: 'profile' }
  | { kind: 'group'; group_id: string; /** The name everyone sees (null once the group is gone). */ name: string | null }
  | { kind: 'conversation'; ref: ConversationRef }
  | { kind: 'room' }

/** One of one's changes the relay refused, undone on this device: in which room, why, and what it was to. */
export interface RevertedChange {
  room: string
  reason: UpdateRefusal
  subject: RevertedSubject
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name)

/** Groups up to this size count their members among one's contacts (see followContacts). */
const GROUP_CONTACTS_MAX = 64

/** Why findPeople found nobody, for the caller. */
const searchError = (reason: PeoplePage & { ok: false } extends { reason: infer R } ? R : never): ParleyError => {
  switch (reason) {
    case 'list-off': return new ParleyError('not-allowed', 'this relay does not list everyone: search by name', reason)
    case 'search-off': return new ParleyError('not-allowed', 'this relay does not let people be searched: ask for their id', reason)
    case 'bad-query': return new ParleyError('invalid-input', 'the relay could not take that search (too long, or a page it did not give)', reason)
    case 'rate-limited': return new ParleyError('unavailable', 'too many searches: try again in a moment', reason)
    case 'offline': return new ParleyError('unavailable', 'the relay cannot be reached now', reason)
    case 'unsupported': return new ParleyError('unavailable', 'this connection cannot search for people', reason)
  }
}

export class ParleyClient {
  readonly me: Identity
  private readonly clock: Clock
  private readonly syncWaitMs: number
  private readonly profiles: ProfileBook
  private readonly groupBook: GroupBook
  private readonly listeners = new Set<(change: DirectoryChange) => void>()
  private readonly open = new Set<Conversation>()
  private readonly inbox: Inbox
  private reverted: RevertedChange | null = null
  private rejection: string | null = null
  private closed = false

  private constructor (
    private readonly options: ParleyOptions,
    /** One's profile: public, and its presence is one's online state. */
    private readonly ownProfile: Replica,
    /** One's own room: the conversations one is in and the read marks. */
    private readonly own: Replica,
    private readonly pool: ReplicaPool,
    private readonly outbox: Outbox
  ) {
    this.me = options.identity
    this.clock = monotonicClock(options.clock ?? systemClock)
    this.syncWaitMs = options.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS
    this.profiles = new ProfileBook(this.me, ownProfile, pool, {
      onUsers: () => this.emit('users'),
      onPresence: () => this.emit('presence')
    })
    this.groupBook = new GroupBook(this.me.user_id, own, pool, {
      onChange: () => {
        // NOTE: the book reports its first groups while this constructor runs, before the inbox exists.
        this.inbox?.refresh()
        this.followContacts()
        this.emit('groups')
      },
      onRejected: reason => this.noteRejected(reason)
    })
    this.inbox = new Inbox(this.me.user_id, own, pool, this.profiles, () => this.groups(), () => {
      this.followContacts()
      this.emit('conversations')
    })
    this.followContacts()
    let wasConnected = false
    let rejections = ownProfile.link.rejections
    ownProfile.link.onChange(() => {
      if (ownProfile.link.rejections > rejections) {
        rejections = ownProfile.link.rejections
        if (ownProfile.link.rejection !== null) this.noteRejected(ownProfile.link.rejection)
      }
      const connected = ownProfile.link.status === 'connected'
      // NOTE: peers keep the awareness clock of a state they dropped, and ignore the same clock
      // re-sent on reconnect until its next renewal (~15 s). A fresh clock shows us online at once.
      if (connected && !wasConnected) {
        this.awareness.setLocalState({ ...this.awareness.getLocalState() })
        outbox.flush()
      }
      wasConnected = connected
      this.emit('status')
    })
  }

  /**
   * Opens one's profile and one's own room from local storage and starts syncing them (without
   * waiting for the relay), then re-sends whatever an earlier session left undelivered.
   */
  static async open (options: ParleyOptions): Promise<ParleyClient> {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    awareness.setLocalState({ user_id: options.identity.user_id } satisfies ActiveUser)
    let client: ParleyClient | null = null
    const onReverted = (reverted: Reverted) => client?.noteReverted(reverted)
    const noWait = { ...options, syncWaitMs: 0, relayReachable: () => false, onReverted }
    let ownProfile: Replica | null = null
    const pool = new ReplicaPool({
      ...options,
      onReverted,
      syncWaitMs: options.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS,
      relayReachable: () => ownProfile?.link.status === 'connected'
    })
    // NOTE: the three local databases are opened together: one after another, a first visit
    // waited for each in turn (IndexedDB opens are slow in a browser).
    const opening = [
      Replica.open(noWait, profileRoom(options.identity.user_id), awareness, doc),
      Replica.open(noWait, userRoom(options.identity.user_id)),
      Outbox.open(options.storage, pool)
    ] as const
    let own: Replica
    let outbox: Outbox
    try {
      [ownProfile, own, outbox] = await Promise.all(opening)
    } catch (error) {
      // What did open is closed again: a failed start leaves no database open.
      const [openingProfile, openingOwn, openingOutbox] = opening
      await Promise.allSettled([
        openingProfile.then(replica => replica.destroy()),
        openingOwn.then(replica => replica.destroy()),
        openingOutbox.then(box => box.close())
      ])
      throw error
    }
    client = new ParleyClient(options, ownProfile, own, pool, outbox)
    outbox.flush()
    return client
  }

  /** The relay connection's state, as a person should see it. */
  get status (): ConnectionStatus { return this.ownProfile.link.status }

  /** Why the relay refused this client (an AuthFailure such as 'invite-required'), or null. */
  get refusal (): string | null { return this.ownProfile.link.refusal }

  /**
   * Why the relay last refused one of one's changes to profiles or groups (e.g. 'not-an-admin'
   * after losing admin rights while offline), or null. NOTE: the refused change stays in this
   * device's copy only; others never see it.
   */
  get lastRejection (): string | null { return this.rejection }

  private noteRejected (reason: string): void {
    this.rejection = reason
    this.emit('rejected')
  }

  /**
   * The last of one's changes that the relay refused and this device has undone since: its room
   * now holds what the relay holds (plus one's later writes that did not build on it), here and
   * after a reload. Null until then.
   */
  get lastReverted (): RevertedChange | null { return this.reverted }

  /** One's own online state: this client publishes its user_id in its profile room while connected. */
  private get awareness (): Awareness { return this.ownProfile.awareness! }

  private noteReverted ({ room, reason, changed }: Reverted): void {
    if (this.closed) return
    let subject: RevertedSubject = { kind: 'room' }
    const parsed = parseRoom(room)
    if (parsed?.kind === 'profile') {
      subject = { kind: 'profile' }
    } else if (parsed?.kind === 'conversation' && changed.some(entry => entry.root === 'group')) {
      const group_id = parsed.conversation.kind === 'group' ? parsed.conversation.group_id : ''
      subject = { kind: 'group', group_id, name: this.group(group_id)?.name ?? null }
    } else if (parsed?.kind === 'conversation' || parsed?.kind === 'bucket') {
      subject = { kind: 'conversation', ref: parsed.conversation }
    }
    this.reverted = { room, reason, subject }
    this.emit('reverted')
  }

  /** Offers an invitation to an invite-only relay and reconnects with it. */
  setInvite (invite: string): void { this.options.network.setInvite(invite) }

  /** Work offline (false) or reconnect (true): a person's "offline" switch, also used by tests. */
  setOnline (online: boolean): void { this.options.network.setOnline(online) }

  /** Resolves true once one's profile and one's own room are in sync with the relay (false after timeoutMs). */
  async whenSynced (timeoutMs = this.syncWaitMs): Promise<boolean> {
    const synced = await Promise.all([this.ownProfile.link.whenSynced(timeoutMs), this.own.link.whenSynced(timeoutMs)])
    return synced.every(Boolean)
  }

  /** Group records skipped as invalid. */
  get skipped (): number { return this.groupBook.skipped }

  // --- people ---------------------------------------------------------------

  profile (): User | null { return this.profiles.mine() }

  /** Publishes or updates one's own profile. */
  setProfile ({ name }: { name: string }): User {
    this.assertOpen()
    const trimmed = typeof name === 'string' ? name.trim() : ''
    if (trimmed.length === 0 || trimmed.length > LIMITS.nameLength) {
      throw new ParleyError('invalid-input', `a name has 1 to ${LIMITS.nameLength} characters`)
    }
    const now = timestamp(this.clock)
    const current = this.profile()
    const user: User = {
      user_id: this.me.user_id,
      name: trimmed,
      public_key: this.me.public_key,
      created_at: current?.created_at ?? now,
      updated_at: now,
      deleted_at: null
    }
    // NOTE: not through the outbox, which opens rooms through the pool: one's profile stays open, and syncs on every connection.
    this.ownProfile.doc.transact(() => profileRecord(this.ownProfile.doc).set(user.user_id, user), LOCAL_ORIGIN)
    return user
  }

  /**
   * The people this device knows, by name: oneself, one's contacts (everyone one shares a
   * conversation or a group with) and whoever one looked up; not deleted. Find others with
   * findPeople.
   */
  users (): User[] {
    return this.profiles.profiles().filter(user => user.deleted_at === null).sort(byName)
  }

  /** Someone this device knows (see users), or null: lookUp asks the relay. */
  user (user_id: string): User | null {
    const user = this.profiles.profile(user_id)
    return user && user.deleted_at === null ? user : null
  }

  /**
   * Someone's profile by their id, asked of the relay when this device does not hold it; held from
   * then on for this session, with their online state. Null when the relay has no such person (or
   * cannot be reached within the sync wait).
   */
  async lookUp (user_id: string): Promise<User | null> {
    this.assertOpen()
    if (!isId(user_id)) throw new ParleyError('invalid-input', 'not a user id')
    const replica = await this.profiles.lookUp(user_id)
    // NOTE: also while still connecting (just opened, or reconnecting): the relay may answer within the wait.
    if (replica && (this.status === 'connected' || this.status === 'connecting')) await replica.link.whenSynced(this.syncWaitMs)
    return this.user(user_id)
  }

  /**
   * People whose name has a word starting with `query`, accents and case ignored, in name order,
   * a page at a time (pass the returned cursor for the next; null: no more). An empty query pages
   * through everyone, where the relay lists everyone. Throws a ParleyError: 'not-allowed' when the
   * relay does not let people be found so, 'unavailable' when it cannot be asked now (offline, or
   * too many searches: try again shortly), 'invalid-input' for a query that is too long.
   */
  async findPeople (query: string, { cursor = null, limit = 20 }: { cursor?: string | null; limit?: number } = {}): Promise<{ people: User[]; cursor: string | null }> {
    this.assertOpen()
    const page = await this.options.network.findPeople(typeof query === 'string' ? query.trim() : '', {
      cursor,
      limit: Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit)))
    })
    if (!page.ok) throw searchError(page.reason)
    const people: User[] = []
    for (const value of page.people) {
      // A hostile relay's answer is checked like any profile: the id must derive from the key.
      const parsed = parseUser(value)
      if (parsed.ok && parsed.value.deleted_at === null) people.push(parsed.value)
    }
    return { people, cursor: page.cursor }
  }

  /** Users with a live connection to the relay, among those this device knows (oneself only while connected). */
  online (): ActiveUser[] {
    const ids = new Set(this.profiles.online())
    if (this.status === 'connected') ids.add(this.me.user_id)
    return [...ids].sort().map(user_id => ({ user_id }))
  }

  isOnline (user_id: string): boolean {
    return user_id === this.me.user_id ? this.status === 'connected' : this.profiles.isOnline(user_id)
  }

  /**
   * Holds the profiles of everyone one shares a conversation or a group with (and their online
   * state). NOTE: the members of a large group are held only once they write there (ProfileBook
   * looks up a sender whose key is needed): a thousand profile rooms per group would cost more
   * than they show.
   */
  private followContacts (): void {
    if (this.closed || !this.inbox) return
    const contacts = new Set(this.inbox.directPeers())
    for (const group of this.groupBook.groups()) {
      if (group.user_ids.length <= GROUP_CONTACTS_MAX) for (const id of group.user_ids) contacts.add(id)
    }
    this.profiles.setContacts(contacts)
  }

  // --- groups ---------------------------------------------------------------

  /** The groups one belongs to, not deleted, by name. */
  groups (): Group[] { return this.groupBook.groups().sort(byName) }

  /** One of one's groups (null for any other: a group is visible to its members only). */
  group (group_id: string): Group | null { return this.groupBook.group(group_id) }

  /**
   * Creates a group with oneself as its first admin. It lists at once on this device; its other
   * members see it once the relay has it (at once when online, else on reconnecting).
   */
  async createGroup ({ name, user_ids }: { name: string; user_ids: string[] }): Promise<Group> {
    this.assertOpen()
    const now = timestamp(this.clock)
    const members = [...new Set([this.me.user_id, ...user_ids])]
    const group = this.checkedGroup({
      group_id: randomId(),
      name: typeof name === 'string' ? name.trim() : '',
      user_ids: members,
      admin_ids: [this.me.user_id],
      created_by: this.me.user_id,
      created_at: now,
      updated_at: now,
      deleted_at: null
    })
    const room = conversationRoom(groupConversation(group.group_id))
    // Listed first: the book then follows the group's room, where the record goes.
    this.own.doc.transact(() => userConversations(this.own.doc).set(room, { added_at: now }), LOCAL_ORIGIN)
    const replica = await this.groupBook.open(group.group_id)
    this.outbox.write(room, replica.doc, () => groupRecord(replica.doc).set(group.group_id, group))
    return group
  }

  renameGroup (group_id: string, name: string): Group {
    const group = this.administeredGroup(group_id)
    return this.writeGroup({ ...group, name: typeof name === 'string' ? name.trim() : '', updated_at: timestamp(this.clock) })
  }

  addMembers (group_id: string, user_ids: string[]): Group {
    const group = this.administeredGroup(group_id)
    const members = [...new Set([...group.user_ids, ...user_ids])]
    return this.writeGroup({ ...group, user_ids: members, updated_at: timestamp(this.clock) })
  }

  /** Admins remove anyone; any member may remove themself (leave). */
  removeMembers (group_id: string, user_ids: string[]): Group {
    const leaving = user_ids.length === 1 && user_ids[0] === this.me.user_id
    const group = leaving ? this.memberGroup(group_id) : this.administeredGroup(group_id)
    const removed = new Set(user_ids)
    const admins = group.admin_ids.filter(id => !removed.has(id))
    if (admins.length === 0) throw new ParleyError('not-allowed', 'a group keeps at least one admin')
    return this.writeGroup({
      ...group,
      user_ids: group.user_ids.filter(id => !removed.has(id)),
      admin_ids: admins,
      updated_at: timestamp(this.clock)
    })
  }

  /** Deletes a group for everyone (admins only): it disappears from every list; its history stays stored. */
  deleteGroup (group_id: string): Group {
    const group = this.administeredGroup(group_id)
    const now = timestamp(this.clock)
    return this.writeGroup({ ...group, updated_at: now, deleted_at: now })
  }

  private memberGroup (group_id: string): Group {
    this.assertOpen()
    const group = this.group(group_id)
    if (!group) throw new ParleyError('not-found', `no group ${group_id}`)
    if (!group.user_ids.includes(this.me.user_id)) throw new ParleyError('not-allowed', 'not a member of this group')
    return group
  }

  private administeredGroup (group_id: string): Group {
    const group = this.memberGroup(group_id)
    if (!group.admin_ids.includes(this.me.user_id)) throw new ParleyError('not-allowed', 'only a group admin may do this')
    return group
  }

  /** A group record as every reader will parse it; else the reason, to the caller. */
  private checkedGroup (group: Group): Group {
    const parsed = parseGroup(group)
    if (!parsed.ok) throw new ParleyError('invalid-input', `invalid group (${parsed.reason})`)
    return parsed.value
  }

  /** Writes a new version of one of one's groups to its room (delivered even after a reload). */
  private writeGroup (group: Group): Group {
    const checked = this.checkedGroup(group)
    const replica = this.groupBook.replicaOf(group.group_id)
    if (replica === null) throw new ParleyError('not-found', `no group ${group.group_id}`)
    this.outbox.write(replica.room, replica.doc, () => groupRecord(replica.doc).set(group.group_id, checked))
    return checked
  }

  // --- conversations --------------------------------------------------------

  async openDirect (user_id: string): Promise<Conversation> {
    if (!isId(user_id) || user_id === this.me.user_id) throw new ParleyError('invalid-input', 'a direct conversation needs another user')
    // Their profile carries the key their messages are checked with.
    void this.profiles.lookUp(user_id)
    return this.openConversation(directConversation(this.me.user_id, user_id))
  }

  async openGroup (group_id: string): Promise<Conversation> {
    this.memberGroup(group_id)
    return this.openConversation(groupConversation(group_id))
  }

  /** Opens a conversation: its newest messages are loaded, older ones as history pages reach them. */
  async openConversation (ref: ConversationRef): Promise<Conversation> {
    this.assertOpen()
    const conversation = await Conversation.open({
      me: this.me,
      clock: this.clock,
      pool: this.pool,
      outbox: this.outbox,
      keys: this.profiles,
      noteSent: sent => this.noteSent(sent),
      markRead: (room, counts) => {
        this.own.doc.transact(() => userReads(this.own.doc).set(room, { counts }), LOCAL_ORIGIN)
      },
      onClose: closed => { this.open.delete(closed) }
    }, ref)
    this.open.add(conversation)
    return conversation
  }

  /** One's conversations with unread counts and last messages, the most recently active first. */
  conversations (): ConversationSummary[] { return this.inbox.summaries() }

  /** Rooms with writes the relay does not have yet (delivered when it is reachable). */
  undelivered (): string[] { return this.outbox.pending() }

  /**
   * After one's own message: a direct conversation joins one's own list. NOTE: the other
   * person's list is the relay's to update (it adds the conversation when a participant first
   * writes to it), since nobody else may write to someone's own room.
   */
  private noteSent (ref: ConversationRef): void {
    if (ref.kind !== 'direct') return
    const room = conversationRoom(ref)
    if (this.inbox.lists(room)) return
    const entry = { added_at: timestamp(this.clock) }
    this.own.doc.transact(() => userConversations(this.own.doc).set(room, entry), LOCAL_ORIGIN)
  }

  // --- events and lifetime ---------------------------------------------------

  /** Called on every change to users, groups, presence or connection; returns the unsubscribe function. */
  subscribe (listener: (change: DirectoryChange) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private emit (change: DirectoryChange): void {
    for (const listener of this.listeners) listener(change)
  }

  private assertOpen (): void {
    if (this.closed) throw new ParleyError('closed', 'the client was closed')
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.listeners.clear()
    await Promise.all([...this.open].map(conversation => conversation.close()))
    this.inbox.destroy()
    this.groupBook.destroy()
    this.profiles.destroy()
    await this.outbox.close()
    await this.pool.close()
    await this.own.destroy()
    await this.ownProfile.destroy()
    this.awareness.destroy()
  }
}
