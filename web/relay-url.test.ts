// Which relay the app uses, and what a link's ?relay= asks for: never followed without asking.
import { describe, expect, it } from 'vitest'
import { currentRelay, relayHost, relayLabel, relayLink, withoutRelayLink } from './relay-url'

describe('currentRelay', () => {
  it('is the saved address, else the built-in one, else the host that served the page; never the link', () => {
    const page = 'https://chat.example.org/?relay=wss://evil.example'
    expect(currentRelay(page, null, null)).toEqual({ url: 'wss://chat.example.org/', source: 'page' })
    expect(currentRelay(page, null, 'https://built.example')).toEqual({ url: 'wss://built.example/', source: 'build' })
    expect(currentRelay(page, 'ws://localhost:1234', 'https://built.example')).toEqual({ url: 'ws://localhost:1234/', source: 'saved' })
    expect(currentRelay(page, 'not an address', null)).toEqual({ url: 'wss://chat.example.org/', source: 'page' })
  })
})

describe('relayLink', () => {
  const current = { url: 'wss://chat.example.org/', source: 'page' } as const

  it('names another relay, or nothing when the link has none or names the current one', () => {
    expect(relayLink('https://chat.example.org/?relay=wss://evil.example', current)).toEqual({ url: 'wss://evil.example/' })
    expect(relayLink('https://chat.example.org/?relay=http://localhost:1234', current)).toEqual({ url: 'ws://localhost:1234/' })
    expect(relayLink('https://chat.example.org/', current)).toBeNull()
    expect(relayLink('https://chat.example.org/?relay=https://CHAT.example.org:443', current)).toBeNull()
  })

  it('says why a link\'s address is none', () => {
    expect(relayLink('https://chat.example.org/?relay=javascript:alert(1)', current))
      .toEqual({ given: 'javascript:alert(1)', problem: expect.stringContaining('must start with ws://') })
  })
})

describe('addresses as a person reads them', () => {
  it('drops the link, the root\'s slash, or all but the host', () => {
    expect(withoutRelayLink('https://chat.example.org/?invite=abc&relay=wss://evil.example#x')).toBe('https://chat.example.org/?invite=abc#x')
    expect(relayLabel('ws://127.0.0.1:1234/')).toBe('ws://127.0.0.1:1234')
    expect(relayHost('wss://chat.example.org/')).toBe('chat.example.org')
  })
})
