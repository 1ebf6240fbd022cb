// The CLI's file storage, in a temporary directory, runs the local storage conformance suite.
import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import * as encoding from 'lib0/encoding'
import { runLocalStorageConformance } from '../client/storage/storage-conformance'
import { fileStorage } from './file-storage'

const directories: string[] = []
afterAll(() => Promise.all(directories.map(directory => rm(directory, { recursive: true, force: true }))))

runLocalStorageConformance('files', {
  open: async () => {
    directories.push(await mkdtemp(join(tmpdir(), 'parley-storage-')))
    return fileStorage({ directory: directories.at(-1)! })
  },
  reopen: async () => fileStorage({ directory: directories.at(-1)! }),
  // NOTE: not claimed: one process per directory (see fileStorage).
  corrupt: async room => {
    const record = encoding.encode(encoder => encoding.writeVarUint8Array(encoder, new TextEncoder().encode('not a yjs update')))
    await appendFile(join(directories.at(-1)!, `${encodeURIComponent(room)}.yjs`), record)
  }
})
