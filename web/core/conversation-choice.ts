// Which conversation to show, a direct one with a person or a group's: the app's selection and the widget's attribute alike.
import type { Conversation, ParleyClient } from '../../client'

export type ConversationChoice =
  | { kind: 'direct'; user_id: string }
  | { kind: 'group'; group_id: string }

/** Equal keys, the same conversation (a person and a group with the same id stay apart). */
export const choiceKey = (choice: ConversationChoice): string =>
  choice.kind === 'direct' ? `direct:${choice.user_id}` : `group:${choice.group_id}`

/** Opens the chosen conversation; throws a ParleyError with a readable message when it cannot be. */
export const openChoice = (client: ParleyClient, choice: ConversationChoice): Promise<Conversation> =>
  choice.kind === 'direct' ? client.openDirect(choice.user_id) : client.openGroup(choice.group_id)
