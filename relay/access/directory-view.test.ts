import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { randomId } from '../../shared/ids'
import type { Group } from '../../shared/model'
import { directoryGroups } from '../../shared/schema'
import { DirectoryView } from './directory-view'

const groupOf = (admin: string, others: string[]): Group => {
  const now = new Date().toISOString()
  return { group_id: randomId(), name: 'team', user_ids: [admin, ...others], admin_ids: [admin], created_by: admin, created_at: now, updated_at: now, deleted_at: null }
}

const directoryWith = (...groups: Group[]): Y.Doc => {
  const doc = new Y.Doc()
  for (const group of groups) directoryGroups(doc).set(group.group_id, group)
  return doc
}

describe('DirectoryView', () => {
  it('reads a group\'s members, and sees the group change', () => {
    const [admin, member, later] = [randomId(), randomId(), randomId()]
    const group = groupOf(admin, [member])
    const doc = directoryWith(group)
    const view = new DirectoryView()
    view.attach(doc)
    expect(view.membersOf(group.group_id)).toEqual(new Set([admin, member]))
    directoryGroups(doc).set(group.group_id, { ...group, user_ids: [admin, member, later] })
    expect(view.membersOf(group.group_id)).toEqual(new Set([admin, member, later]))
    directoryGroups(doc).set(group.group_id, { ...group, deleted_at: new Date().toISOString() })
    expect(view.membersOf(group.group_id)).toBe('deleted')
  })

  it('keeps nothing for group ids the directory does not hold, however many are asked for', () => {
    const group = groupOf(randomId(), [])
    const view = new DirectoryView()
    view.attach(directoryWith(group))
    expect(view.membersOf(group.group_id)).not.toBeNull()
    for (let i = 0; i < 1000; i++) expect(view.membersOf(randomId())).toBeNull()
    expect(view.cachedGroups).toBe(1)
  })

  it('sees a group created after its id was asked for', () => {
    const doc = directoryWith()
    const view = new DirectoryView()
    view.attach(doc)
    const group = groupOf(randomId(), [])
    expect(view.membersOf(group.group_id)).toBeNull()
    directoryGroups(doc).set(group.group_id, group)
    expect(view.membersOf(group.group_id)).toEqual(new Set(group.user_ids))
  })
})
