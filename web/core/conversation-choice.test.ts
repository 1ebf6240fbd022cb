// Choosing a conversation: which key each choice has, and which conversation it opens, over a real offline client.
import { afterEach, describe, expect, it } from 'vitest'
import { conversationRoom, createIdentity, directConversation, groupConversation, type ParleyClient } from '../../client'
import { openOfflineClient } from '../../client/testing/offline-testing'
import { choiceKey, openChoice } from './conversation-choice'

const clients: ParleyClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(client => client.close()))
})

const openAda = async (): Promise<ParleyClient> => {
  const { client } = await openOfflineClient()
  clients.push(client)
  client.setProfile({ name: 'Ada' })
  return client
}

describe('choiceKey', () => {
  it('tells a person and a group with the same id apart', () => {
    expect(choiceKey({ kind: 'direct', user_id: 'x' })).not.toBe(choiceKey({ kind: 'group', group_id: 'x' }))
  })

  it('gives the same choice the same key', () => {
    expect(choiceKey({ kind: 'group', group_id: 'x' })).toBe(choiceKey({ kind: 'group', group_id: 'x' }))
  })
})

describe('openChoice', () => {
  it('opens the direct conversation with the person chosen', async () => {
    const ada = await openAda()
    const bob = (await createIdentity()).user_id
    const conversation = await openChoice(ada, { kind: 'direct', user_id: bob })
    expect(conversation.room).toBe(conversationRoom(directConversation(ada.me.user_id, bob)))
    await conversation.close()
  })

  it('opens the group chosen', async () => {
    const ada = await openAda()
    const group = await ada.createGroup({ name: 'Crew', user_ids: [] })
    const conversation = await openChoice(ada, { kind: 'group', group_id: group.group_id })
    expect(conversation.room).toBe(conversationRoom(groupConversation(group.group_id)))
    await conversation.close()
  })

  it('refuses, in words, a conversation with oneself', async () => {
    const ada = await openAda()
    await expect(openChoice(ada, { kind: 'direct', user_id: ada.me.user_id })).rejects.toThrow('a direct conversation needs another user')
  })
})
