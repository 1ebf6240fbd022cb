import { runRoomStoreConformance } from './conformance'
import { MemoryStore } from './memory-store'

runRoomStoreConformance('MemoryStore', { open: async () => new MemoryStore() })
