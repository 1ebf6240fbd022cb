// What a person does in the Parley web app and what they see, through its accessibility contract
// only (roles and accessible names, never CSS classes, ids or test ids):
// - first visit: textbox "Display name", button "Join";
// - navigation "Conversations" holding list "Users" (the people one knows; an entry's name: the
//   person's name and "online" or "offline") and list "Groups" (an entry's name contains the
//   group's name); searchbox "Find people" above them: once something is typed, list "People
//   found" (an entry's name starts with the person's name) takes their place, with button "More"
//   while the relay has more, and Escape empties it; below the groups, list "Everyone on this
//   relay" (those one does not know yet) where the relay lists everyone;
// - button "New group" opens a dialog: textbox "Group name", a checkbox per person, button "Create";
// - the open conversation is a role="log" region; each message (a list item) shows its sender's
//   name and its content; textbox "Message" and button "Send" (Enter sends, Shift+Enter is a new line);
// - role="status" reading "Connected", "Connecting", "Offline" or "Refused by the relay"; a refusal
//   is explained in an alert, with textbox "Invitation" and button "Join" when an invitation would help;
// - a Users entry's name ends in ", N unread" while there are unread messages; one's own message
//   has buttons "Edit" (opens textbox "Edited text": Enter saves, Escape cancels) and "Delete",
//   and a deleted one reads "Message deleted"; the line under the log reads "Bob is typing…";
//   button "Group settings" opens dialog "Group settings" (textbox "Group name", button "Rename",
//   buttons "Remove <name>");
// - button "Settings" opens dialog "Settings", which shows "Your user id: <id>";
// - the header reads "Relay: <host:port>"; a page opened with ?relay= naming another relay first
//   shows dialog "Switch relay?" (buttons "Stay" and "Switch"), and nothing connects until answered.
import type { Locator, Page } from 'playwright-core'
import { expect } from 'vitest'

/** How long a change made elsewhere may take to show here: sync through the relay, presence, a reconnect. */
export const SYNC_TIMEOUT_MS = 10_000

/** What the status element may read. */
export type ConnectionWord = 'Connected' | 'Connecting' | 'Offline' | 'Refused by the relay'
const CONNECTION_WORDS: readonly string[] = ['Connected', 'Connecting', 'Offline', 'Refused by the relay']

/** One message as a person reads it: who sent it and what it says. */
export interface Said {
  from: string
  text: string
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Matches an accessible name that contains each of `words` as a whole word, in any order. */
export const nameWith = (...words: string[]): RegExp =>
  new RegExp(words.map(word => `(?=[\\s\\S]*\\b${escapeRegExp(word)}\\b)`).join(''))

/** Something one activates to open a conversation: a button or a link, whichever the app uses. */
const entryIn = (scope: Locator, name: RegExp): Locator =>
  scope.getByRole('button', { name }).or(scope.getByRole('link', { name }))

export const displayNameBox = (page: Page): Locator => page.getByRole('textbox', { name: 'Display name', exact: true })
export const conversations = (page: Page): Locator => page.getByRole('navigation', { name: 'Conversations', exact: true })
export const usersList = (page: Page): Locator => conversations(page).getByRole('list', { name: 'Users', exact: true })
export const groupsList = (page: Page): Locator => conversations(page).getByRole('list', { name: 'Groups', exact: true })
/** The entry of person `name` in the Users list; with `presence`, only if it says so. */
export const userEntry = (page: Page, name: string, presence?: 'online' | 'offline'): Locator =>
  entryIn(usersList(page), presence ? nameWith(name, presence) : nameWith(name))
export const groupEntry = (page: Page, name: string): Locator => entryIn(groupsList(page), nameWith(name))
export const findPeopleBox = (page: Page): Locator => conversations(page).getByRole('searchbox', { name: 'Find people', exact: true })
export const peopleFound = (page: Page): Locator => conversations(page).getByRole('list', { name: 'People found', exact: true })
export const everyoneList = (page: Page): Locator => conversations(page).getByRole('list', { name: 'Everyone on this relay', exact: true })
/** The entry of person `name` among the people the search found. */
export const foundEntry = (page: Page, name: string): Locator => entryIn(peopleFound(page), nameWith(name))
/** The open conversation. */
export const conversationLog = (page: Page): Locator => page.getByRole('log')
export const messageBox = (page: Page): Locator => page.getByRole('textbox', { name: 'Message', exact: true })
export const sendButton = (page: Page): Locator => page.getByRole('button', { name: 'Send', exact: true })

/** Waits until the app has started: the join form (first visit) or the conversation list. */
export const appStarted = async (page: Page): Promise<'join form' | 'conversations'> => {
  await displayNameBox(page).or(conversations(page)).first().waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  return await displayNameBox(page).isVisible() ? 'join form' : 'conversations'
}

/** First visit: chooses the display name and waits for the conversation list. */
export const join = async (page: Page, name: string): Promise<void> => {
  await displayNameBox(page).fill(name)
  await page.getByRole('button', { name: 'Join', exact: true }).click()
  await conversations(page).waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
}

/** Opens the direct conversation with `name` from the Users list. */
export const openUser = async (page: Page, name: string): Promise<void> => {
  const entry = userEntry(page, name)
  await entry.waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  await entry.click()
  await conversationLog(page).waitFor({ state: 'visible' })
}

/**
 * Finds `name` with the sidebar's search (by `query`, their name unless given) and opens the
 * direct conversation with them: how one reaches someone one has never talked to.
 */
export const findAndOpen = async (page: Page, name: string, query = name): Promise<void> => {
  await findPeopleBox(page).fill(query)
  const entry = foundEntry(page, name)
  await entry.waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  await entry.click()
  await conversationLog(page).waitFor({ state: 'visible' })
}

/** The person's own user id, as Settings shows it (what they give someone to be found by id). */
export const ownUserId = async (page: Page): Promise<string> => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings', exact: true })
  const id = (await dialog.locator('p', { hasText: 'Your user id:' }).locator('code').first().innerText()).trim()
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  return id
}

/** Opens group `name` from the Groups list, waiting for it to appear there first. */
export const openGroup = async (page: Page, name: string): Promise<void> => {
  const entry = groupEntry(page, name)
  await entry.waitFor({ state: 'visible', timeout: SYNC_TIMEOUT_MS })
  await entry.click()
  await conversationLog(page).waitFor({ state: 'visible' })
}

/** Creates group `name` with `members` (by display name) through the "New group" dialog. */
export const createGroup = async (page: Page, name: string, members: string[]): Promise<void> => {
  await page.getByRole('button', { name: 'New group', exact: true }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByRole('textbox', { name: 'Group name', exact: true }).fill(name)
  for (const member of members) await dialog.getByRole('checkbox', { name: nameWith(member) }).check()
  await dialog.getByRole('button', { name: 'Create', exact: true }).click()
  await dialog.waitFor({ state: 'hidden' })
}

/**
 * Types `text` into the message box and sends it with Enter (or the Send button), then waits for
 * the box to empty, which is the app taking the message. A message the app refuses fails the
 * test with the app's own words (its alert).
 */
export const send = async (page: Page, text: string, how: 'enter' | 'button' = 'enter'): Promise<void> => {
  const box = messageBox(page)
  await box.fill(text)
  if (how === 'enter') await box.press('Enter')
  else await sendButton(page).click()
  try {
    await expect.poll(() => box.inputValue(), { timeout: SYNC_TIMEOUT_MS, interval: 50 }).toBe('')
  } catch {
    const alerts = (await page.getByRole('alert').allInnerTexts()).join(' / ')
    throw new Error(`"${text}" was not sent: the message box still holds "${await box.inputValue()}"${alerts ? `; the app says: ${alerts}` : ''}`)
  }
}

/** The messages of the open conversation that contain one of `texts`, in the log's order. */
export const saidIn = async (page: Page, texts: readonly string[], senders: readonly string[]): Promise<Said[]> => {
  const items = await conversationLog(page).getByRole('listitem').allInnerTexts()
  return items.flatMap(item => {
    const text = texts.find(candidate => item.includes(candidate))
    if (text === undefined) return []
    // The sender's name is shown outside the content (which may mention names too).
    const around = item.replace(text, ' ')
    const from = senders.filter(sender => new RegExp(`\\b${escapeRegExp(sender)}\\b`).test(around))
    return [{ from: from.length === 1 ? from[0]! : `(sender shown: ${from.join(', ') || 'none'})`, text }]
  })
}

/**
 * Waits until the open conversation shows exactly `expected` among its messages: each once, in
 * this order, with its sender's name (messages whose text is not in `expected` are ignored).
 */
export const expectConversation = async (page: Page, expected: Said[], timeout = SYNC_TIMEOUT_MS): Promise<void> => {
  const texts = expected.map(said => said.text)
  const senders = [...new Set(expected.map(said => said.from))]
  await expect.poll(() => saidIn(page, texts, senders), { timeout, interval: 100, message: 'the open conversation to show exactly these messages, in order' }).toEqual(expected)
}

/** Waits until the open conversation shows `text` from `from` (whatever else it shows). */
export const expectMessage = async (page: Page, from: string, text: string, timeout = SYNC_TIMEOUT_MS): Promise<void> => {
  await expect.poll(() => saidIn(page, [text], [from]), { timeout, interval: 100, message: `the open conversation to show ${from}'s "${text}"` }).toContainEqual({ from, text })
}

/**
 * Checks that none of `texts` shows in the open conversation for `ms`.
 * NOTE: the one deliberate wait of the suite: an absence has no event to wait for. It checks
 * throughout the window, so a message that leaks through fails the test as soon as it shows.
 */
export const expectAbsentFor = async (page: Page, texts: readonly string[], ms: number): Promise<void> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const items = await conversationLog(page).getByRole('listitem').allInnerTexts()
    expect(texts.filter(text => items.some(item => item.includes(text))), 'messages that must not have arrived').toEqual([])
    await page.waitForTimeout(100)
  }
}

/** What the status element reads, or null when there is none. */
export const status = async (page: Page): Promise<string | null> => {
  const words = (await page.getByRole('status').allInnerTexts())
    .map(text => text.trim())
    .filter(text => CONNECTION_WORDS.includes(text))
  if (words.length > 1) return `several status elements: ${words.join(', ')}`
  return words[0] ?? null
}

export const expectStatus = async (page: Page, allowed: ConnectionWord[], timeout = SYNC_TIMEOUT_MS): Promise<void> => {
  await expect.poll(() => status(page), { timeout, interval: 100, message: `the status to read ${allowed.join(' or ')}` }).toBeOneOf(allowed)
}

/** What `name`'s entry in the Users list says of them. */
export const presenceOf = async (page: Page, name: string): Promise<'online' | 'offline' | 'not listed' | 'listed more than once'> => {
  const all = await userEntry(page, name).count()
  if (all === 0) return 'not listed'
  if (all > 1) return 'listed more than once'
  if (await userEntry(page, name, 'online').count() === 1) return 'online'
  if (await userEntry(page, name, 'offline').count() === 1) return 'offline'
  throw new Error(`${name}'s entry says neither "online" nor "offline"`)
}

export const expectPresence = async (page: Page, name: string, presence: 'online' | 'offline', timeout = SYNC_TIMEOUT_MS): Promise<void> => {
  await expect.poll(() => presenceOf(page, name), { timeout, interval: 100, message: `${name}'s entry in Users to say ${presence}` }).toBe(presence)
}

/** The message of the open conversation that shows `text`: a list item of the log. */
export const messageItem = (page: Page, text: string): Locator =>
  conversationLog(page).getByRole('listitem').filter({ hasText: text })

/** The last message `name`'s entry in the Users list shows: the entry's accessible description (null: none). */
export const previewOf = async (page: Page, name: string): Promise<string | null> => {
  const described = await userEntry(page, name).getAttribute('aria-describedby')
  return described === null ? null : await page.locator(`[id="${described}"]`).innerText()
}

/**
 * How many unread messages `name`'s entry in the Users list announces: its accessible name ends in
 * ", N unread" when there are some, and says nothing of it when there are none (0).
 */
export const unreadOf = async (page: Page, name: string): Promise<number | 'not listed' | 'listed more than once'> => {
  const entry = userEntry(page, name)
  const all = await entry.count()
  if (all === 0) return 'not listed'
  if (all > 1) return 'listed more than once'
  // The first line of the snapshot is the entry's role and accessible name, e.g. `- button "Bob, online, 2 unread"`.
  const [first = ''] = (await entry.ariaSnapshot()).split('\n')
  const count = /\b(\d+) unread\b/.exec(first)
  return count ? Number(count[1]) : 0
}

export const expectUnread = async (page: Page, name: string, count: number, timeout = SYNC_TIMEOUT_MS): Promise<void> => {
  await expect.poll(() => unreadOf(page, name), { timeout, interval: 100, message: `${name}'s entry in Users to announce ${count} unread` }).toBe(count)
}

/** The line under the log saying who is typing, e.g. "Bob is typing…" (it has no role: found by its text). */
export const typingNotice = (page: Page, name: string): Locator => page.getByText(`${name} is typing`)
