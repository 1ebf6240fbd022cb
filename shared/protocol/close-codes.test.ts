// The close table: every code has its reasons, clients read closes from it, and docs/protocol.md lists it as it is.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLOSE_REASONS, CloseCode, FINAL_CLOSE_CODES, closeCodeOf, closeText, readClose, type CloseReason } from './close-codes'
import { AUTH_FAILURES, ROOM_REFUSALS, VERSION_REFUSALS } from './refusals'

const reasons = Object.keys(CLOSE_REASONS) as CloseReason[]

/** The close table as docs/protocol.md shows it, between its markers. */
const renderedTable = (): string => [
  '| code | name | reason | what a person is told |',
  '|---|---|---|---|',
  ...reasons.map(reason => `| ${closeCodeOf(reason)} | ${CLOSE_REASONS[reason].code} | \`${reason}\` | ${CLOSE_REASONS[reason].text} |`)
].join('\n')

describe('close codes', () => {
  it('pair every code with at least one reason', () => {
    for (const [name, code] of Object.entries(CloseCode)) {
      expect(reasons.filter(reason => closeCodeOf(reason) === code), name).not.toEqual([])
    }
  })

  it('give every refusal at the door its row under the right code', () => {
    for (const reason of AUTH_FAILURES) expect(closeCodeOf(reason), reason).toBe(CloseCode.unauthorized)
    for (const reason of ROOM_REFUSALS) expect(closeCodeOf(reason), reason).toBe(CloseCode.forbidden)
    for (const reason of VERSION_REFUSALS) expect(closeCodeOf(reason), reason).toBe(CloseCode.versionMismatch)
  })

  it('are read by clients from the table: its words, and whether to stop reconnecting', () => {
    expect(readClose(4426, 'relay-newer')).toEqual({ code: 4426, reason: 'relay-newer', text: 'This relay runs a newer Parley: reload the page.', final: true })
    expect(readClose(4401, 'invite-required')).toMatchObject({ reason: 'invite-required', final: true })
    expect(readClose(4508, 'send-timeout')).toMatchObject({ reason: 'send-timeout', final: false })
    // A reason under another code than its own, or none at all, is not taken from the table.
    expect(readClose(4400, 'invite-required')).toMatchObject({ reason: null, final: false })
    expect(readClose(1006, '')).toEqual({ code: 1006, reason: null, text: 'The relay closed the connection (1006).', final: false })
    expect([...FINAL_CLOSE_CODES].sort()).toEqual([4401, 4403, 4426])
    expect(closeText('relay-older')).toContain('an older Parley')
    expect(closeText('something-new')).toBe('The relay refused the connection (something-new).')
  })

  it('are listed in docs/protocol.md exactly as in the code', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8')
    const start = doc.indexOf('<!-- close-table -->')
    const end = doc.indexOf('<!-- /close-table -->')
    expect(start, 'docs/protocol.md has <!-- close-table --> markers').toBeGreaterThan(-1)
    expect(doc.slice(start + '<!-- close-table -->'.length, end).trim()).toBe(renderedTable())
  })
})
