// What /healthz reports, fed by a store wrapper that notices every storage failure.
import type { RoomStore } from './storage/store'

export interface SkippedData {
  /** The room it belonged to; null for the store as a whole. */
  room: string | null
  what: string
  at: string
}

export interface StorageHealth {
  ok: boolean
  failures: number
  lastError: { message: string; at: string } | null
  /**
   * Stored data the relay could not read and serves on without, since it started (the first
   * MAX_SKIPPED_LISTED). NOTE: kept until a restart, unlike `ok`: what was left out stays out
   * whether or not writes work again.
   */
  skipped: SkippedData[]
}

const MAX_SKIPPED_LISTED = 100

export const newStorageHealth = (): StorageHealth => ({ ok: true, failures: 0, lastError: null, skipped: [] })

/** 'storage-failing' while operations fail (503), 'degraded' once stored data had to be left out (200), else 'ok'. */
export const healthStatus = (health: StorageHealth): 'ok' | 'degraded' | 'storage-failing' =>
  !health.ok ? 'storage-failing' : health.skipped.length > 0 ? 'degraded' : 'ok'

/** Records stored data left out; false when the same was noted already (a room loads many times), or the list is full. */
export const noteSkipped = (health: StorageHealth, room: string | null, what: string): boolean => {
  if (health.skipped.length >= MAX_SKIPPED_LISTED) return false
  if (health.skipped.some(entry => entry.room === room && entry.what === what)) return false
  health.skipped.push({ room, what, at: new Date().toISOString() })
  return true
}

/** Records a storage failure (a failed operation, or stored data that could not be read). */
export const noteStorageFailure = (health: StorageHealth, error: Error): void => {
  health.ok = false
  health.failures += 1
  health.lastError = { message: error.message, at: new Date().toISOString() }
}

/** Wraps a store so that failures (and the recovery after them) are recorded in `health`. */
export const watchStore = (store: RoomStore, health: StorageHealth): RoomStore => {
  const watch = async <T>(operation: Promise<T>): Promise<T> => {
    try {
      const result = await operation
      health.ok = true
      return result
    } catch (error) {
      noteStorageFailure(health, error as Error)
      throw error
    }
  }
  return {
    load: room => watch(store.load(room)),
    append: (room, update) => watch(store.append(room, update)),
    compact: room => watch(store.compact(room)),
    readRecords: prefix => watch(store.readRecords(prefix)),
    writeRecords: records => watch(store.writeRecords(records)),
    close: () => store.close()
  }
}
