// Scripts and bots: the identity file, the Node API (connectParley) and the CLI as a child process, against the real relay.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFile, chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ConnectError, connectParley, relayWebSocketUrl } from '../cli/connect'
import { fileStorage } from '../cli/file-storage'
import { IdentityFileError, createIdentityFile, loadIdentityFile, saveIdentityFile } from '../cli/identity-file'
import { followNewMessages } from '../cli/new-messages'
import { CLOSE_REASONS } from '../shared/protocol'
import { createIdentity, sign, verify } from '../shared/identity'
import type { Message } from '../shared/model'
import { MemoryStore } from '../relay/storage/memory-store'
import { Admissions } from '../relay/auth/admissions'
import { createInvite, createInviteSecret } from '../relay/auth/invites'
import { Fixture, contents, sendConfirmed, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** Rejects with the error `promise` rejects with, for matching its fields. */
const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

const inviteOnlyRelay = async () => {
  const store = new MemoryStore()
  const secret = createInviteSecret()
  const relay = await fixture.relay({ store, access: { mode: 'invite-only', secret, admissions: await Admissions.open(store) } })
  return { relay, invite: createInvite(secret, Date.now() + 60_000) }
}

describe('identity file', () => {
  it('saves an identity readable by its owner only and loads it back, non-extractable', async () => {
    const file = join(await fixture.tempDir(), 'bot.json')
    const created = await createIdentityFile(file)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const loaded = await loadIdentityFile(file)
    expect(loaded.user_id).toBe(created.user_id)
    expect(loaded.public_key).toBe(created.public_key)
    expect(loaded.keys.privateKey.extractable).toBe(false)
    const data = new TextEncoder().encode('hello')
    expect(await verify(loaded.public_key, await sign(loaded, data), data)).toBe(true)
  })

  it('warns when the file is open to other users of the machine, saying how to close it', async () => {
    const file = join(await fixture.tempDir(), 'bot.json')
    await createIdentityFile(file)
    const warnings: string[] = []
    const onWarning = (text: string) => { warnings.push(text) }
    await loadIdentityFile(file, { onWarning })
    expect(warnings).toEqual([])
    for (const mode of [0o644, 0o640, 0o606]) {
      await chmod(file, mode)
      await loadIdentityFile(file, { onWarning })
    }
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toContain(`chmod 600 ${file}`)
    expect(warnings[0]).toMatch(/mode 644/)
    await chmod(file, 0o600)
    await loadIdentityFile(file, { onWarning })
    expect(warnings).toHaveLength(3)
  })

  it('refuses to overwrite a file unless forced, and will not save a non-extractable key', async () => {
    const file = join(await fixture.tempDir(), 'bot.json')
    const first = await createIdentityFile(file)
    expect(await failureOf(createIdentityFile(file))).toMatchObject({ failure: 'exists' })
    expect((await loadIdentityFile(file)).user_id).toBe(first.user_id)
    const second = await createIdentityFile(file, { force: true })
    expect(second.user_id).not.toBe(first.user_id)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const error = await failureOf(saveIdentityFile(await createIdentity(), join(await fixture.tempDir(), 'other.json')))
    expect(error).toBeInstanceOf(IdentityFileError)
    expect(error).toMatchObject({ failure: 'not-extractable' })
  })

  it('says clearly what is wrong with a missing, corrupt or mismatched file', async () => {
    const directory = await fixture.tempDir()
    const file = join(directory, 'bot.json')
    const missing = await failureOf(loadIdentityFile(file))
    expect(missing).toMatchObject({ failure: 'missing' })
    expect(missing.message).toContain('identity new')

    const write = (value: unknown) => writeFile(file, typeof value === 'string' ? value : JSON.stringify(value))
    await write('{ not json')
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'corrupt', message: expect.stringContaining('not JSON') })
    await write({ hello: 'world' })
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'corrupt' })

    const other = join(directory, 'other.json')
    await createIdentityFile(other)
    const good = JSON.parse(await readFile(other, 'utf8'))
    await write({ ...good, private_key: { ...good.private_key, d: 'AAAA' } })
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'corrupt' })

    // Someone else's user_id, another key pair's public half, another key's private half.
    const third = join(directory, 'third.json')
    await createIdentityFile(third)
    const stranger = JSON.parse(await readFile(third, 'utf8'))
    await write({ ...good, user_id: stranger.user_id })
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'key-mismatch', message: expect.stringContaining(stranger.user_id) })
    await write({ ...good, private_key: stranger.private_key })
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'key-mismatch' })
    await write({ ...good, private_key: { ...stranger.private_key, x: good.public_key } })
    expect(await failureOf(loadIdentityFile(file))).toMatchObject({ failure: 'key-mismatch' })
  })
})

describe('file storage', () => {
  it('keeps a room across runs, and ignores a torn last record', async () => {
    const directory = await fixture.tempDir()
    const storage = fileStorage({ directory })
    const first = new Y.Doc()
    const copy = storage.persist('dm/a/b/0', first)
    await copy.loaded
    first.getMap('messages').set('one', 1)
    first.getMap('messages').set('two', 2)
    await copy.destroy()
    await appendFile(join(directory, 'dm%2Fa%2Fb%2F0.yjs'), new Uint8Array([200, 1, 7]))

    const second = new Y.Doc()
    const again = storage.persist('dm/a/b/0', second)
    await again.loaded
    expect(second.getMap('messages').toJSON()).toEqual({ one: 1, two: 2 })
    second.getMap('messages').set('three', 3)
    await again.destroy()
    const third = new Y.Doc()
    await storage.persist('dm/a/b/0', third).loaded
    expect(third.getMap('messages').toJSON()).toEqual({ one: 1, two: 2, three: 3 })
  })
})

describe('connectParley', () => {
  it('turns http(s) addresses into WebSocket ones and rejects what is not a relay address', () => {
    expect(relayWebSocketUrl('http://localhost:1234/')).toBe('ws://localhost:1234')
    expect(relayWebSocketUrl('https://chat.example.org')).toBe('wss://chat.example.org')
    expect(relayWebSocketUrl('ws://127.0.0.1:9')).toBe('ws://127.0.0.1:9')
    for (const bad of ['localhost:1234', 'ftp://example.org', 'not a url']) {
      expect(() => relayWebSocketUrl(bad)).toThrow(ConnectError)
    }
  })

  it('lets a bot send a direct message a person receives, and receive the reply', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const file = join(await fixture.tempDir(), 'bot.json')
    const botIdentity = await createIdentityFile(file)
    const bot = await connectParley({ relay: relay.url, identity: { file }, name: 'Bot' })
    fixture.defer(() => bot.close())
    expect(bot.status).toBe('connected')
    expect(bot.me.user_id).toBe(botIdentity.user_id)
    expect(bot.profile()?.name).toBe('Bot')

    const received: Message[] = []
    const stop = await followNewMessages(bot, { onMessage: message => received.push(message) })
    fixture.defer(stop)

    const botSide = await bot.openDirect(ada.me.user_id)
    const sent = await botSide.send('hello from a bot')
    await waitFor('the relay to confirm the bot\'s message', () => !botSide.isPending(sent.message_id))
    await waitFor('Ada to know the bot', () => ada.user(bot.me.user_id)?.name === 'Bot')
    const adaSide = await ada.openDirect(bot.me.user_id)
    await waitFor('Ada to receive it', async () => (await contents(adaSide)).includes('hello from a bot'))

    await adaSide.send('hello bot')
    await waitFor('the bot to receive the reply', () => received.some(message => message.content === 'hello bot'))
    expect(received.map(message => message.content)).toEqual(['hello from a bot', 'hello bot'])
    expect(received[1]).toMatchObject({ sender_id: ada.me.user_id, receiver_id: bot.me.user_id })
  })

  it('with a storage directory, delivers on the next run what a run wrote offline', async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const directory = await fixture.tempDir()
    const identity = await createIdentity()
    const first = await connectParley({ relay: relay.url, identity, name: 'Bot', storage: { directory } })
    first.setOnline(false)
    const offline = await first.openDirect(ada.me.user_id)
    await offline.send('written offline')
    expect(first.undelivered()).not.toEqual([])
    await first.close()

    const second = await connectParley({ relay: relay.url, identity, storage: { directory } })
    fixture.defer(() => second.close())
    const adaSide = await ada.openDirect(identity.user_id)
    await waitFor('Ada to receive what was written offline', async () => (await contents(adaSide)).includes('written offline'))
    await waitFor('nothing left to deliver', () => second.undelivered().length === 0)
  })

  it('fails clearly on an invite-only relay without an invitation, and connects with one', async () => {
    const { relay, invite } = await inviteOnlyRelay()
    const identity = await createIdentity()
    // Refused by the relay's answer, not given up on after the timeout.
    const refused = await failureOf(connectParley({ relay: relay.wsUrl, identity }))
    expect(refused).toBeInstanceOf(ConnectError)
    expect(refused).toMatchObject({ failure: 'refused', refusal: 'invite-required' })
    expect(refused.message).toContain(CLOSE_REASONS['invite-required'].text)
    expect(await failureOf(connectParley({ relay: relay.wsUrl, identity, invite: 'not an invitation' })))
      .toMatchObject({ failure: 'refused', refusal: 'bad-invite' })

    const client = await connectParley({ relay: relay.wsUrl, identity, invite, name: 'Invited' })
    fixture.defer(() => client.close())
    expect(client.status).toBe('connected')
  })

  it('gives up on an unreachable relay after the timeout', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    server.close()
    await once(server, 'close')
    const error = await failureOf(connectParley({ relay: `http://127.0.0.1:${port}`, identity: await createIdentity(), timeoutMs: 500 }))
    expect(error).toMatchObject({ failure: 'unreachable', message: expect.stringContaining(`127.0.0.1:${port}`) })
  })
})

describe('the parley CLI', () => {
  const ROOT = fileURLToPath(new URL('..', import.meta.url))
  const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url))

  /** Starts the CLI as a child process, killed after `timeoutMs` and in cleanup if still running. */
  const startCli = (args: string[], timeoutMs = 25_000) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => { stdout += chunk })
    child.stderr.on('data', chunk => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const exited = new Promise<number | null>(resolve => child.once('exit', code => {
      clearTimeout(timer)
      resolve(code)
    }))
    fixture.defer(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    })
    return { child, exited, stdout: () => stdout, stderr: () => stderr }
  }

  const runCli = async (args: string[]) => {
    const run = startCli(args)
    const code = await run.exited
    return { code, stdout: run.stdout(), stderr: run.stderr() }
  }

  it('creates an identity and sends a message a person receives', { timeout: 60_000 }, async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const file = join(await fixture.tempDir(), 'cli.json')

    const created = await runCli(['identity', 'new', '--file', file])
    expect(created.code).toBe(0)
    const user_id = created.stdout.trim()
    expect((await loadIdentityFile(file)).user_id).toBe(user_id)

    const sent = await runCli(['send', '--relay', relay.url, '--file', file, '--name', 'Script', `--to=${ada.me.user_id}`, 'hello from the CLI'])
    expect(sent, sent.stderr).toMatchObject({ code: 0 })
    const message_id = sent.stdout.trim()
    const adaSide = await ada.openDirect(user_id)
    await waitFor('Ada to receive it', async () => (await adaSide.history({ limit: 10 })).messages.find(message => message.message_id === message_id))
    expect(await contents(adaSide)).toEqual(['hello from the CLI'])
    expect(ada.user(user_id)?.name).toBe('Script')
  })

  it('sends to a group on a first run, which has to load the group from the relay, and lists it', { timeout: 60_000 }, async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const file = join(await fixture.tempDir(), 'member.json')
    const member = await createIdentityFile(file)
    const group = await ada.createGroup({ name: 'Team', user_ids: [member.user_id] })
    const theirs = await ada.createGroup({ name: 'Not yours', user_ids: [] })

    // Each run starts with nothing stored: the group arrives after the relay lists it.
    const listed = await runCli(['groups', '--relay', relay.url, '--file', file, '--name', 'Member', '--json'])
    expect(listed, listed.stderr).toMatchObject({ code: 0 })
    expect(listed.stdout.trim().split('\n').map(line => JSON.parse(line))).toEqual([
      { name: 'Team', group_id: group.group_id, user_ids: [ada.me.user_id, member.user_id], admin_ids: [ada.me.user_id] }
    ])

    const sent = await runCli(['send', '--relay', relay.url, '--file', file, `--group=${group.group_id}`, 'hello team'])
    expect(sent, sent.stderr).toMatchObject({ code: 0 })
    const adaSide = await ada.openGroup(group.group_id)
    await waitFor('Ada to receive it', async () => (await contents(adaSide)).includes('hello team'))

    const refused = await runCli(['send', '--relay', relay.url, '--file', file, `--group=${theirs.group_id}`, 'let me in'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`no group ${theirs.group_id} with you in it`)
  })

  it('fails clearly when sending to an id the relay knows nobody by', { timeout: 60_000 }, async () => {
    const relay = await fixture.relay()
    const file = join(await fixture.tempDir(), 'sender.json')
    await createIdentityFile(file)
    const nobody = (await createIdentity()).user_id
    const sent = await runCli(['send', '--relay', relay.url, '--file', file, '--name', 'Sender', `--to=${nobody}`, 'anyone there?'])
    expect(sent.code).toBe(1)
    expect(sent.stderr).toContain(`the relay knows no user ${nobody}`)
    expect(sent.stdout).toBe('')
  })

  it('finds people on the relay, everyone page by page or by the start of a word, with the presence of its contacts', { timeout: 90_000 }, async () => {
    // One search at a time, one a second: paging through everyone meets the relay's limit.
    const relay = await fixture.relay({ limits: { searchBurst: 1, searchesPerMinute: 60 } })
    const ada = await fixture.client(relay, 'Ada Lovelace')
    const zoe = await fixture.client(relay, 'Zoë Ng')
    // More people than one page holds (50), each with a profile of their own.
    const crowd = await Promise.all(Array.from({ length: 50 }, () => createIdentity()))
    crowd.forEach((identity, n) => relay.people.noteProfile(identity.user_id, {
      user_id: identity.user_id, public_key: identity.public_key, name: `Member ${String(n).padStart(2, '0')}`,
      created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', deleted_at: null
    }))
    const file = join(await fixture.tempDir(), 'finder.json')
    const finder = await createIdentityFile(file)
    const named = await connectParley({ relay: relay.url, identity: { file }, name: 'Script' })
    await named.close()
    // Ada writes first: she becomes a contact, whose presence the CLI follows; Zoë is not one.
    await sendConfirmed(await ada.openDirect(finder.user_id), ['hello Script'])

    const everyone = await runCli(['people', '--relay', relay.url, '--file', file, '--json'])
    expect(everyone, everyone.stderr).toMatchObject({ code: 0 })
    const lines = everyone.stdout.trim().split('\n').map(line => JSON.parse(line))
    expect(lines).toEqual([
      { name: 'Ada Lovelace', user_id: ada.me.user_id, online: true },
      ...crowd.map((identity, n) => ({ name: `Member ${String(n).padStart(2, '0')}`, user_id: identity.user_id, online: null })),
      { name: 'Script', user_id: finder.user_id, online: true },
      { name: 'Zoë Ng', user_id: zoe.me.user_id, online: null }
    ])

    // `users` is the same command; accents and case are ignored, and any word's start matches.
    const found = await runCli(['users', '--relay', relay.url, '--file', file, '--search', 'ZOE'])
    expect(found, found.stderr).toMatchObject({ code: 0 })
    expect(found.stdout).toBe(`Zoë Ng\t${zoe.me.user_id}\t-\n`)
    const byLastName = await runCli(['people', '--relay', relay.url, '--file', file, '--search', 'lov'])
    expect(byLastName.stdout).toBe(`Ada Lovelace\t${ada.me.user_id}\tonline\n`)
  })

  it('says why when the relay does not let people be listed or searched', { timeout: 60_000 }, async () => {
    const file = join(await fixture.tempDir(), 'finder.json')
    await createIdentityFile(file)
    const searchOnly = await fixture.relay({ people: 'search' })
    await fixture.client(searchOnly, 'Ada Lovelace')
    const listed = await runCli(['people', '--relay', searchOnly.url, '--file', file])
    expect(listed.code).toBe(1)
    expect(listed.stderr).toContain('this relay does not list everyone: search by name (--search TEXT)')
    const searched = await runCli(['people', '--relay', searchOnly.url, '--file', file, '--search', 'ada'])
    expect(searched, searched.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Ada Lovelace\t/) })

    const off = await fixture.relay({ people: 'off' })
    const refused = await runCli(['people', '--relay', off.url, '--file', file, '--search', 'ada'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('this relay does not let people be searched: ask for their id')
    expect(refused.stdout).toBe('')
  })

  it('listens, printing each new message as a JSON line, and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const relay = await fixture.relay()
    const ada = await fixture.client(relay, 'Ada')
    const file = join(await fixture.tempDir(), 'listener.json')
    const listener = await createIdentityFile(file)
    const adaSide = await ada.openDirect(listener.user_id)
    await adaSide.send('before listening')

    const run = startCli(['listen', '--relay', relay.url, '--file', file, '--name', 'Listener'])
    await waitFor('the listener to start', () => run.stderr().includes('listening as'), 20_000)
    await adaSide.send('while listening')
    const line = await waitFor('a JSON line', () => run.stdout().split('\n').find(text => text.trim() !== ''), 10_000)
    expect(JSON.parse(line)).toMatchObject({
      content: 'while listening',
      sender_id: ada.me.user_id,
      sender_name: 'Ada',
      receiver_id: listener.user_id,
      group_id: null
    })
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(run.stdout().trim().split('\n')).toHaveLength(1)
  })

  it('warns on stderr about an identity file others can read', { timeout: 60_000 }, async () => {
    const file = join(await fixture.tempDir(), 'shared.json')
    const identity = await createIdentityFile(file)
    await chmod(file, 0o644)
    const run = await runCli(['whoami', '--file', file])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(identity.user_id)
    expect(run.stderr).toContain(`chmod 600 ${file}`)
  })

  it('exits 2 on bad usage and 1 when the relay refuses, saying why', { timeout: 60_000 }, async () => {
    const usage = await runCli(['send', '--file', 'nowhere.json', 'text'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('--to USER_ID or --group GROUP_ID')

    const { relay } = await inviteOnlyRelay()
    const file = join(await fixture.tempDir(), 'stranger.json')
    await createIdentityFile(file)
    const refused = await runCli(['users', '--relay', relay.url, '--file', file])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(CLOSE_REASONS['invite-required'].text)
    expect(refused.stderr).toContain('--invite')
  })
})
