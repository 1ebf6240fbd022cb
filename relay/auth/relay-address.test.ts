// The relay's own addresses: public URLs read strictly, loopback binds told apart, and the hosts a token may name.
import { describe, expect, it } from 'vitest'
import { isLoopbackHost, parsePublicUrl, relayHosts, requirePublicUrl, RelayAddressError } from './relay-address'

describe('parsePublicUrl', () => {
  it('keeps the scheme and host, lower case, without a default port', () => {
    expect(parsePublicUrl(' https://Chat.Example.org:443/ ')).toBe('https://chat.example.org')
    expect(parsePublicUrl('ws://chat.example.org:8080')).toBe('ws://chat.example.org:8080')
    expect(parsePublicUrl('http://[::1]:80')).toBe('http://[::1]')
  })

  it('says what is wrong', () => {
    expect(() => parsePublicUrl('chat.example.org')).toThrow(RelayAddressError)
    expect(() => parsePublicUrl('chat.example.org')).toThrow('"chat.example.org" is not a URL')
    expect(() => parsePublicUrl('file:///srv/parley')).toThrow('must start with https://')
    expect(() => parsePublicUrl('https://chat.example.org/#top')).toThrow('no path, query or fragment')
  })
})

describe('isLoopbackHost', () => {
  it('tells this machine from a network', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true)
    }
    for (const host of ['0.0.0.0', '::', '', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'chat.example.org', 'localhost.example']) {
      expect(isLoopbackHost(host), host).toBe(false)
    }
  })
})

describe('requirePublicUrl', () => {
  it('lets a loopback relay go without one, and refuses a network relay without one', () => {
    expect(() => requirePublicUrl('127.0.0.1', [])).not.toThrow()
    expect(() => requirePublicUrl('0.0.0.0', ['https://chat.example.org'])).not.toThrow()
    expect(() => requirePublicUrl('0.0.0.0', [], 'set --public-url')).toThrow(/bound to 0\.0\.0\.0.*set --public-url.*Host header/)
  })
})

describe('relayHosts', () => {
  it('names a public address with and without its default port', () => {
    expect([...relayHosts(['https://chat.example.org', 'http://10.0.0.5:1234'], { address: '0.0.0.0', port: 1234 })])
      .toEqual(['chat.example.org', 'chat.example.org:443', '10.0.0.5:1234'])
  })

  it('with no public address, names the loopback names of the port listened on', () => {
    expect([...relayHosts([], { address: '127.0.0.1', port: 4321 })]).toEqual(['localhost:4321', '127.0.0.1:4321', '[::1]:4321'])
    expect([...relayHosts([], { address: '127.0.0.2', port: 80 })])
      .toEqual(['localhost', 'localhost:80', '127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:80', '127.0.0.2', '127.0.0.2:80'])
    expect(() => relayHosts([], { address: '::', port: 4321 })).toThrow(RelayAddressError)
  })
})
