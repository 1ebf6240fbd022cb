// `npm run parley -- <command>`: create an identity, find people, list one's groups, send and listen, from a shell or a script.
import { parseArgs } from 'node:util'
import type { ParleyClient } from '../client/parley'
import type { Conversation } from '../client/conversation/conversation'
import { ParleyError } from '../shared/errors'
import { isId } from '../shared/ids'
import type { Message } from '../shared/model'
import { directConversation, groupConversation, type ConversationRef } from '../shared/protocol'
import { untilGroup, untilQuiet } from './arrivals'
import { ConnectError, DEFAULT_TIMEOUT_MS, connectParley } from './connect'
import { IdentityFileError, createIdentityFile, loadIdentityFile } from './identity-file'
import { followNewMessages } from './new-messages'
import { findAll, personLine, presenceOf } from './people'

const USAGE = `Usage: npm run parley -- <command> [options]

Commands:
  identity new --file F [--force]
      Creates an identity, saves it to F (readable by you only), prints its user id.
      --force replaces an existing F (the identity in it is lost).
  whoami --file F
      Prints the user id of the identity in F.
  people --relay URL --file F [--search TEXT] [--json]
      People on the relay whose name has a word starting with TEXT (accents and case ignored),
      or everyone without --search, where the relay allows it: name, user id, and online or
      offline for your contacts ("-" for others: their presence is not followed).
      "users" is another name for it.
  groups --relay URL --file F [--json]
      Your groups: name, group id, number of members.
  send --relay URL --file F (--to USER_ID | --group GROUP_ID) [--name N] TEXT
      Sends TEXT, waits until the relay has it, prints its message id. USER_ID may be anyone on
      the relay, contacted before or not.
      Ids may start with "-": write them as --to=ID and --group=ID.
      An identity needs a name on a relay before others can read its messages: give it once with --name.
  listen --relay URL --file F [--to USER_ID | --group GROUP_ID]
      Prints each new message as one JSON line, until interrupted (Ctrl-C, SIGTERM).
      Without --to or --group: every conversation you are in, and those that start later.

Options of the commands that connect:
  --relay URL        ws://host:port, or the relay's http(s) address
  --invite CODE      an invitation, for an invite-only relay that does not know you yet (needed once)
  --name N           publish or change your display name
  --data-dir DIR     keep documents in DIR between runs (default: in memory only)
  --timeout S        seconds to wait for the relay, and for it to confirm a message (default ${DEFAULT_TIMEOUT_MS / 1000})

Exit status: 0 done, 1 failed (refused, unreachable, not found, not confirmed, a search the
relay does not allow or cannot answer now), 2 bad usage.`

/** A command line that does not make sense: exit status 2. */
class UsageError extends Error {}

/** Something the command could not do: exit status 1, with this message. */
class CommandFailure extends Error {}

type Values = Record<string, string | boolean | undefined>

interface Command {
  options: Record<string, { type: 'string' | 'boolean' }>
  /** Whether free text follows the options (send's message). */
  positionals?: boolean
  run(values: Values, positionals: string[]): Promise<void>
}

const CONNECTION = {
  relay: { type: 'string' },
  file: { type: 'string' },
  invite: { type: 'string' },
  name: { type: 'string' },
  'data-dir': { type: 'string' },
  timeout: { type: 'string' }
} as const

const TARGET = { to: { type: 'string' }, group: { type: 'string' } } as const

const COMMANDS: Record<string, Command> = {
  'identity new': {
    options: { file: { type: 'string' }, force: { type: 'boolean' } },
    run: async values => {
      const identity = await createIdentityFile(required(values, 'file'), { force: values.force === true })
      console.log(identity.user_id)
    }
  },
  whoami: {
    options: { file: { type: 'string' } },
    run: async values => { console.log((await loadIdentityFile(required(values, 'file'))).user_id) }
  },
  people: {
    options: { ...CONNECTION, search: { type: 'string' }, json: { type: 'boolean' } },
    run: values => withClient(values, async client => {
      const query = optional(values, 'search') ?? ''
      // Presence is known for one's contacts only, whose profiles arrive after one's own rooms.
      await untilQuiet(client, ['users', 'groups', 'presence'])
      try {
        for await (const people of findAll(client, query, { patienceMs: timeoutMs(values) })) {
          for (const user of people) console.log(personLine(user, presenceOf(client, user.user_id), values.json === true))
        }
      } catch (error) {
        throw searchFailure(error)
      }
    })
  },
  groups: {
    options: { ...CONNECTION, json: { type: 'boolean' } },
    run: values => withClient(values, async client => {
      await untilQuiet(client, ['groups'])
      for (const group of client.groups()) {
        console.log(values.json
          ? JSON.stringify({ name: group.name, group_id: group.group_id, user_ids: group.user_ids, admin_ids: group.admin_ids })
          : [group.name, group.group_id, `${group.user_ids.length} members`].join('\t'))
      }
    })
  },
  send: {
    options: { ...CONNECTION, ...TARGET },
    positionals: true,
    run: async (values, positionals) => {
      const target = conversationTarget(values, true)!
      const text = positionals.join(' ')
      if (text.trim() === '') throw new UsageError('send needs the text of the message')
      await withClient(values, async client => {
        if (client.profile() === null) {
          throw new CommandFailure('this identity has no profile on this relay yet, so nobody could check its messages: give it a name with --name NAME')
        }
        await checkTarget(client, target)
        const conversation = await openTarget(client, target)
        try {
          const message = await conversation.send(text)
          await confirmed(conversation, message.message_id, timeoutMs(values))
          console.log(message.message_id)
        } finally {
          await conversation.close()
        }
      })
    }
  },
  listen: {
    options: { ...CONNECTION, ...TARGET },
    run: async values => {
      const target = conversationTarget(values, false)
      await withClient(values, async client => {
        if (target) await checkTarget(client, target)
        const stop = await followNewMessages(client, {
          conversation: target && refOf(client, target),
          onMessage: message => console.log(JSON.stringify(messageLine(client, message))),
          onError: error => console.error(`parley: ${describe(error)}`)
        })
        console.error(`parley: listening as ${client.me.user_id}; stop with Ctrl-C`)
        const signal = await new Promise<string>(resolve => {
          process.once('SIGINT', () => resolve('SIGINT'))
          process.once('SIGTERM', () => resolve('SIGTERM'))
        })
        console.error(`parley: ${signal}, stopping`)
        await stop()
      })
    }
  }
}

// The command's name from before people were found by asking the relay: kept for scripts.
COMMANDS.users = COMMANDS.people!

type Target = { kind: 'direct'; user_id: string } | { kind: 'group'; group_id: string }

/** The conversation named by --to or --group: exactly one of them when `needed`, at most one otherwise. */
const conversationTarget = (values: Values, needed: boolean): Target | undefined => {
  const to = optional(values, 'to')
  const group = optional(values, 'group')
  if (to !== undefined && group !== undefined) throw new UsageError('give --to or --group, not both')
  if (to !== undefined) {
    if (!isId(to)) throw new UsageError(`--to needs a user id (22 characters), not ${JSON.stringify(to)}`)
    return { kind: 'direct', user_id: to }
  }
  if (group !== undefined) {
    if (!isId(group)) throw new UsageError(`--group needs a group id (22 characters), not ${JSON.stringify(group)}`)
    return { kind: 'group', group_id: group }
  }
  if (needed) throw new UsageError('say where to send: --to USER_ID or --group GROUP_ID')
  return undefined
}

const refOf = (client: ParleyClient, target: Target): ConversationRef =>
  target.kind === 'group' ? groupConversation(target.group_id) : directConversation(client.me.user_id, target.user_id)

/**
 * Fails clearly unless the relay knows the person (looked up: they need not be a contact), or
 * shows the group to this identity (only its members see it).
 */
const checkTarget = async (client: ParleyClient, target: Target): Promise<void> => {
  if (target.kind === 'direct') {
    if (await client.lookUp(target.user_id) === null) throw new CommandFailure(`the relay knows no user ${target.user_id}`)
  } else if (await untilGroup(client, target.group_id) === null) {
    throw new CommandFailure(`no group ${target.group_id} with you in it on this relay`)
  }
}

/** Opens the conversation (see checkTarget). */
const openTarget = (client: ParleyClient, target: Target): Promise<Conversation> =>
  target.kind === 'group' ? client.openGroup(target.group_id) : client.openDirect(target.user_id)

/** Resolves once the relay has written the message; fails when it refuses the conversation or takes longer than `timeoutMs`. */
const confirmed = (conversation: Conversation, message_id: string, timeoutMs: number): Promise<void> => new Promise((resolve, reject) => {
  const check = (): void => {
    if (conversation.refusal !== null) finish(new CommandFailure(`the relay refused this conversation (${conversation.refusal})`))
    else if (!conversation.isPending(message_id)) finish()
  }
  const finish = (error?: Error): void => {
    clearTimeout(timer)
    unsubscribe()
    if (error) reject(error)
    else resolve()
  }
  const timer = setTimeout(() => finish(new CommandFailure(`the relay did not confirm the message within ${timeoutMs / 1000} s`)), timeoutMs)
  const unsubscribe = conversation.subscribe(check)
  check()
})

/** Why the relay would not search, for a person: refused (1), cannot now (1), or a bad --search (2). */
const searchFailure = (error: unknown): unknown => {
  if (!(error instanceof ParleyError)) return error
  switch (error.reason) {
    case 'not-allowed': return new CommandFailure(`${error.message}${error.detail === 'list-off' ? ' (--search TEXT)' : ''}`)
    case 'unavailable': return new CommandFailure(`cannot search for people now: ${error.message}`)
    case 'invalid-input': return new UsageError(`--search: ${error.message}`)
    default: return error
  }
}

/** A message as one line of `listen`: the message without its signature, and the sender's name. */
const messageLine = (client: ParleyClient, { signature: _signature, ...message }: Message) =>
  ({ ...message, sender_name: client.user(message.sender_id)?.name ?? null })

const withClient = async (values: Values, use: (client: ParleyClient) => Promise<void>): Promise<void> => {
  const dataDir = optional(values, 'data-dir')
  const client = await connectParley({
    relay: required(values, 'relay'),
    identity: { file: required(values, 'file') },
    invite: optional(values, 'invite'),
    name: optional(values, 'name'),
    storage: dataDir === undefined ? 'memory' : { directory: dataDir },
    timeoutMs: timeoutMs(values)
  })
  try {
    await use(client)
  } finally {
    await client.close()
  }
}

const optional = (values: Values, name: string): string | undefined => {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

const required = (values: Values, name: string): string => {
  const value = optional(values, name)
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`)
  return value
}

const timeoutMs = (values: Values): number => {
  const text = optional(values, 'timeout')
  if (text === undefined) return DEFAULT_TIMEOUT_MS
  const seconds = Number(text)
  if (!(seconds > 0 && seconds <= 3600)) throw new UsageError('--timeout takes a number of seconds, up to 3600')
  return seconds * 1000
}

/** An error as one line for a person; a stack only for what nobody expected. */
const describe = (error: unknown): string => {
  if (error instanceof ConnectError && error.refusal === 'invite-required') {
    return `${error.message} Pass --invite CODE (an invitation from the relay's operator: npm run invite).`
  }
  if (error instanceof ConnectError || error instanceof IdentityFileError || error instanceof ParleyError || error instanceof CommandFailure) {
    return error.message
  }
  return error instanceof Error ? error.stack ?? error.message : String(error)
}

/** Runs one command line; resolves with the exit status. */
const main = async (args: string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  const [first = '', second = ''] = args
  const name = first === 'identity' ? `identity ${second}` : first
  const command = COMMANDS[name]
  try {
    if (!command) {
      throw new UsageError(first === '' ? 'no command given' : `unknown command ${JSON.stringify(name)}`)
    }
    let parsed
    try {
      parsed = parseArgs({ args: args.slice(name.split(' ').length), options: command.options, allowPositionals: command.positionals ?? false, strict: true })
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    await command.run(parsed.values, parsed.positionals)
    return 0
  } catch (error) {
    if (error instanceof UsageError || (error instanceof ConnectError && error.failure === 'bad-url')) {
      console.error(`parley: ${error.message}\n\n${USAGE}`)
      return 2
    }
    console.error(`parley: ${describe(error)}`)
    return 1
  }
}

// `parley listen | head -1`: a reader that went away ends the command, quietly.
process.stdout.on('error', error => {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0)
  throw error
})

main(process.argv.slice(2)).then(status => {
  process.exitCode = status
  // Everything was closed; should a socket still be saying goodbye, do not wait for it long.
  setTimeout(() => process.exit(status), 2000).unref()
})
