// How times, days, "who is typing" and the connection read on screen, in the app and the widget alike.
import type { ConnectionStatus } from '../../client'

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' })
const dayOfYear = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' })
const fullDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' })
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' })

const DAY_MS = 24 * 60 * 60 * 1000

const startOfDay = (date: Date): number => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()

/** A message's time: the time of day (the day is in the separator above it). */
export const formatTime = (iso: string): string => timeOfDay.format(new Date(iso))

/** The full date and time, for a tooltip. */
export const formatFull = (iso: string): string => full.format(new Date(iso))

/** The local day a timestamp falls on, as a key to compare. */
export const dayKey = (iso: string): number => startOfDay(new Date(iso))

/** A date separator: Today, Yesterday, a weekday this week, else the date. */
export const formatDay = (iso: string, now = new Date()): string => {
  const date = new Date(iso)
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS)
  if (days === 0) return 'Today'
  if (days === 1) return 'Yesterday'
  if (days > 1 && days < 7) return weekday.format(date)
  return date.getFullYear() === now.getFullYear() ? dayOfYear.format(date) : fullDay.format(date)
}

/** A sidebar entry's time: the time today, else the day. */
export const formatRecent = (iso: string, now = new Date()): string => {
  const date = new Date(iso)
  return startOfDay(date) === startOfDay(now) ? timeOfDay.format(date) : shortDay.format(date)
}

/** "Bob is typing…", "Bob and Carol are typing…", "3 people are typing…". */
export const describeTyping = (names: readonly string[]): string => {
  if (names.length === 0) return ''
  if (names.length === 1) return `${names[0]} is typing…`
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`
  return `${names.length} people are typing…`
}

/** The notice for messages hidden because their signature does not verify (their content is never shown). */
export const describeUnverified = (count: number): string =>
  count === 1 ? '1 message could not be verified and is hidden.' : `${count} messages could not be verified and are hidden.`

const STATUS_WORDS: Readonly<Record<ConnectionStatus, string>> = {
  connected: 'Connected',
  connecting: 'Connecting',
  offline: 'Offline',
  refused: 'Refused by the relay'
}

/** The connection to the relay, in a word or two. */
export const describeStatus = (status: ConnectionStatus): string => STATUS_WORDS[status]
