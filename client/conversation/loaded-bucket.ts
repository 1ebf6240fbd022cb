// One bucket of a conversation as loaded on this device: its room and its verified messages.
import type { Message } from '../../shared/model'
import type { Replica } from '../replica'
import type { VerifiedMap } from '../views/verified-map'

export interface LoadedBucket {
  readonly number: number
  readonly replica: Replica
  /** Only messages whose signature verifies against their sender's key, checked as pages need them. */
  readonly messages: VerifiedMap<Message>
}
