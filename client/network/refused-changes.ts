// What the relay refused of a replica's own changes: given up, never offered again, and counted as settled. Shared by every network.
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'

/** A fresh Yjs client id, drawn as Yjs draws them. */
const freshClientId = (): number => Math.floor(Math.random() * 0x100000000) >>> 0

/**
 * NOTE: the relay never takes a refused update, nor anything after it from the same Yjs client
 * id (that would build on it). So a replica gives that client id up from where it stands, stops
 * offering the relay its changes from the clock the relay's copy ends at, and writes on under a
 * fresh client id, as Yjs itself does when it finds its client id taken. The refused changes
 * stay in this device's copy only.
 */
export class RefusedChanges {
  /** Yjs client id → the clock from which its changes are given up. */
  private readonly abandoned = new Map<number, number>()

  /**
   * Gives up the doc's client id after a refusal and moves the doc, and its presence if it
   * goes under the same id, to a fresh one. NOTE: the presence moves too because the upstream
   * WebsocketProvider announces and withdraws it under `doc.clientID`; a presence under an id
   * with no state there throws in y-protocols.
   */
  abandon (doc: Y.Doc, awareness?: Awareness | null): void {
    const client = doc.clientID
    this.abandoned.set(client, Y.getState(doc.store, client))
    const fresh = freshClientId()
    if (awareness && awareness.clientID === client) {
      const state = awareness.getLocalState()
      if (state !== null) awareness.setLocalState(null)
      awareness.clientID = fresh
      // Set even when empty: y-protocols encodes no client id it has no clock for.
      awareness.setLocalState(state)
    }
    doc.clientID = fresh
  }

  /** The relay's state vector raised over what was given up: what it lacks and would take. */
  withheld (relayStateVector: Map<number, number>): Map<number, number> {
    const raised = new Map(relayStateVector)
    for (const [client, clock] of this.abandoned) raised.set(client, Math.max(raised.get(client) ?? 0, clock))
    return raised
  }

  /** How far a client's changes are settled: held by the relay (`acknowledged`) or given up. */
  settled (client: number, acknowledged: number): number {
    return Math.max(acknowledged, this.abandoned.get(client) ?? 0)
  }
}
