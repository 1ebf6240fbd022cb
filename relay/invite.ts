// `npm run invite`: makes an invitation for an invite-only relay, sealed with that relay's secret.
import { parseArgs } from 'node:util'
import { loadInviteSecret } from './auth/invite-secret'
import { createInvite } from './auth/invites'

const USAGE = `Usage: npm run invite -- [--data-dir DIR] [--days N] [--url URL]

Prints an invitation for the relay whose data directory is DIR (default ./data, or
PARLEY_DATA_DIR), or sealed with PARLEY_INVITE_SECRET when that is set. Anyone holding it
may join until it expires (default 7 days); each newcomer enters it once.
With --url, also prints a link to the relay's web app that fills the invitation in.`

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { 'data-dir': { type: 'string' }, days: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean' } },
    strict: true
  })
  if (values.help) return console.log(USAGE)
  const days = Number(values.days ?? '7')
  if (!(days > 0 && days <= 365)) throw new Error('--days must be a number from 1 to 365')
  const secret = await loadInviteSecret(process.env.PARLEY_INVITE_SECRET ?? null, values['data-dir'] ?? process.env.PARLEY_DATA_DIR ?? 'data')
  const code = createInvite(secret, Date.now() + days * 24 * 60 * 60 * 1000)
  console.log(code)
  if (values.url) {
    const link = new URL(values.url)
    link.searchParams.set('invite', code)
    console.log(link.href)
  }
}

main().catch(error => {
  console.error(`${(error as Error).message}\n\n${USAGE}`)
  process.exit(2)
})
