// Storage in plain files for Node: one append-only file of Yjs updates per room, compacted when the room closes.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { STORAGE_ORIGIN } from '../shared/origin'
import { LocalCopyError, type LocalCopy, type Storage } from '../client/transport'

/**
 * Keeps each room in `<directory>/<room, URI-encoded>.yjs`: length-prefixed updates, appended
 * as they happen. NOTE: one process per directory at a time: a second one writing the same
 * rooms could lose updates when the first compacts. A torn last record (a crash mid-write) is
 * ignored on load; the relay re-sends anything the client lacks.
 */
export const fileStorage = ({ directory }: { directory: string }): Storage => ({
  persist: (room: string, doc: Y.Doc): LocalCopy => {
    const file = join(directory, `${encodeURIComponent(room)}.yjs`)
    let appended = 0
    let readable = false
    let closed = false
    const loaded = (async () => {
      await mkdir(directory, { recursive: true, mode: 0o700 })
      const bytes = await readFile(file).catch(error => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      })
      // NOTE: copied out of Node's Buffer, which may be a view into a larger pool: a torn record
      // must run into the end of the array and fail, not into someone else's bytes.
      const updates = bytes === null ? [] : readUpdates(new Uint8Array(bytes))
      if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates), STORAGE_ORIGIN)
      readable = true
    })().catch(error => { throw new LocalCopyError(room, { cause: error }) })
    // Every write waits for the load and for the write before it, so the file stays in order.
    // NOTE: a failed append is not fatal: closing writes the whole state. A file that could not
    // be read is never written to, so that nothing it holds is overwritten.
    let writes: Promise<void> = loaded.catch(() => {})
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin === STORAGE_ORIGIN || closed) return
      appended += 1
      const record = encoding.encode(encoder => encoding.writeVarUint8Array(encoder, update))
      writes = writes.then(() => readable ? appendFile(file, record, { mode: 0o600 }) : undefined).catch(() => {})
    }
    let followed = doc
    followed.on('update', onUpdate)
    /** The file becomes `state` alone (written aside, then renamed over it). */
    const rewrite = async (state: Uint8Array): Promise<void> => {
      const temporary = `${file}.tmp`
      await writeFile(temporary, encoding.encode(encoder => encoding.writeVarUint8Array(encoder, state)), { mode: 0o600 })
      await rename(temporary, file)
    }
    return {
      loaded,
      replace: async (next: Y.Doc) => {
        followed.off('update', onUpdate)
        followed = next
        if (!closed) next.on('update', onUpdate)
        // Queued behind every append so far; what `next` writes meanwhile is appended after it.
        const replaced = writes.then(() => readable ? rewrite(Y.encodeStateAsUpdate(next)) : undefined)
        writes = replaced.catch(() => {})
        await replaced
      },
      destroy: async () => {
        closed = true
        followed.off('update', onUpdate)
        await writes
        if (!readable || appended === 0) return
        await rewrite(Y.encodeStateAsUpdate(followed))
      }
    }
  }
})

/** The whole records of a room file, in order. */
const readUpdates = (bytes: Uint8Array): Uint8Array[] => {
  const updates: Uint8Array[] = []
  const decoder = decoding.createDecoder(bytes)
  try {
    while (decoding.hasContent(decoder)) updates.push(decoding.readVarUint8Array(decoder))
  } catch {
    // A torn last record: everything before it is whole.
  }
  return updates
}
