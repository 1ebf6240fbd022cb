// The memory storage runs the local storage conformance suite: the cases for a storage that keeps nothing.
import { memoryStorage } from './transport'
import { runLocalStorageConformance } from './storage/storage-conformance'

runLocalStorageConformance('memory', { open: async () => memoryStorage })
