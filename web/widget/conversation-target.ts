// The widget's `conversation` attribute: `user:<user_id>` (a direct conversation) or `group:<group_id>`.
import { isId, type ParleyClient } from '../../client'
import type { ConversationChoice } from '../core/conversation-choice'

/** The conversation named by `value`, or a sentence saying what is wrong with it. */
export type ParsedTarget = { ok: true; target: ConversationChoice } | { ok: false; problem: string }

export const parseTarget = (value: string | null | undefined): ParsedTarget => {
  const given = (value ?? '').trim()
  if (given === '') return { ok: false, problem: 'No conversation chosen: set conversation="user:<user id>" or "group:<group id>".' }
  const [kind, id] = [given.slice(0, given.indexOf(':')), given.slice(given.indexOf(':') + 1)]
  if (kind === 'user' && isId(id)) return { ok: true, target: { kind: 'direct', user_id: id } }
  if (kind === 'group' && isId(id)) return { ok: true, target: { kind: 'group', group_id: id } }
  return { ok: false, problem: `"${given}" is not a conversation: use user:<user id> or group:<group id> (ids are 22 characters).` }
}

/** A group one cannot see: the relay shows a group to its members only, so the two are one answer. */
export const GROUP_NOT_VISIBLE = 'This group doesn\'t exist, or you are not a member.'

/**
 * Why `client` cannot open `target` now, or null when it can. `answered` says the relay has
 * answered for it (see TargetAnswer): until then a missing person or group may simply not have
 * arrived yet. NOTE: a person not known yet is no reason to wait: their conversation opens at
 * once (offline too), and closes only if the relay says there is nobody with this id.
 */
export const targetProblem = (client: ParleyClient, target: ConversationChoice, answered: boolean): string | null => {
  if (target.kind === 'direct') {
    if (target.user_id === client.me.user_id) return 'This conversation is with yourself: choose another person.'
    if (client.user(target.user_id) === null && answered) return 'There is no Parley user with this id.'
    return null
  }
  if (client.group(target.group_id)?.user_ids.includes(client.me.user_id)) return null
  return answered ? GROUP_NOT_VISIBLE : 'Waiting for this group to arrive from the relay…'
}

/** The conversation's title: the other person's name or the group's. */
export const targetTitle = (client: ParleyClient, target: ConversationChoice): string =>
  target.kind === 'direct'
    ? client.user(target.user_id)?.name ?? 'Unknown person'
    : client.group(target.group_id)?.name ?? 'Group'
