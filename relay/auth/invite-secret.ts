// The secret that seals invitations: from the environment, or kept in the data directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fromBase64Url, toBase64Url } from '../../shared/ids'
import { createInviteSecret } from './invites'

export const INVITE_SECRET_FILE = 'invite-secret'

/**
 * The secret given (base64url), or the one in `dataDir` (made there, readable by the owner
 * only, on first use). Null dataDir and no secret: a new secret for this process only.
 */
export const loadInviteSecret = async (given: string | null, dataDir: string | null): Promise<Uint8Array> => {
  if (given !== null) return fromBase64Url(given)
  if (dataDir === null) return createInviteSecret()
  const path = join(dataDir, INVITE_SECRET_FILE)
  try {
    return fromBase64Url((await readFile(path, 'utf8')).trim())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const secret = createInviteSecret()
  await mkdir(dataDir, { recursive: true })
  // 'wx': two processes starting at once must not overwrite each other's secret.
  await writeFile(path, toBase64Url(secret) + '\n', { mode: 0o600, flag: 'wx' }).catch(async error => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  })
  return fromBase64Url((await readFile(path, 'utf8')).trim())
}
