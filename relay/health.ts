// What /healthz reports, fed by a store wrapper that notices every storage failure.
import type { RoomStore } from './storage/store'

export interface StorageHealth {
  ok: boolean
  failures: number
  lastError: { message: string; at: string } | null
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
    close: () => store.close()
  }
}
