// The protocol version in the subprotocol: a relay refuses a client of another version with 4426, saying which side is newer, and clients stop there.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { connectProtocols, createConnectToken } from '../shared/connect-token'
import { createIdentity } from '../shared/identity'
import { randomId } from '../shared/ids'
import { CloseCode, MUX_PATH, PROTOCOL_VERSION, encodeMuxFrame, profileRoom, protocolName } from '../shared/protocol'
import { muxNetwork } from '../client/network/mux-network'
import { websocketNetwork } from '../client/network/websocket-network'
import type { Network } from '../client/transport'
import { Fixture, TRANSPORTS, waitFor } from './helpers'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** A room every signed-in user may join: someone's profile. */
const PROFILE_ROOM = profileRoom(randomId())

/** How long a refused client is watched for reconnection attempts: several backoffs of 300 ms. */
const WATCH_MS = 2500

/** Opens a socket offering Parley's subprotocol of `version` and a valid token: 'accepted' once the relay answers, else its close. */
const attempt = async (wsUrl: string, path: string, version: number): Promise<'accepted' | { code: number; reason: string }> => {
  const url = `${wsUrl}/${path}`
  const [, token] = connectProtocols(await createConnectToken(await createIdentity(), url))
  return new Promise(resolve => {
    const socket = new WebSocket(url, [protocolName(version), token!])
    fixture.defer(() => socket.terminate())
    socket.on('error', () => {})
    socket.on('open', () => { if (path === MUX_PATH) socket.send(encodeMuxFrame({ kind: 'join', room: PROFILE_ROOM })) })
    socket.once('message', () => resolve('accepted'))
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
}

/** ws's WebSocket, counting the sockets opened with it. */
const countingWebSocket = () => {
  const counter = {
    opened: 0,
    WebSocket: class extends WebSocket {
      constructor (url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        counter.opened += 1
      }
    }
  }
  return counter
}

describe('protocol version', () => {
  it('refuses a client of another version with 4426, saying which side is newer, on both kinds of socket', async () => {
    const relay = await fixture.relay()
    const newer = await fixture.relay({ protocolVersion: PROTOCOL_VERSION + 1 })
    for (const path of [MUX_PATH, PROFILE_ROOM]) {
      expect(await attempt(relay.wsUrl, path, PROTOCOL_VERSION), path).toBe('accepted')
      expect(await attempt(relay.wsUrl, path, PROTOCOL_VERSION + 1), path).toEqual({ code: CloseCode.versionMismatch, reason: 'relay-older' })
      expect(await attempt(newer.wsUrl, path, PROTOCOL_VERSION), path).toEqual({ code: CloseCode.versionMismatch, reason: 'relay-newer' })
    }
    expect(newer.log.filter(line => line.includes('relay-newer'))).toHaveLength(2)
  })

  for (const transport of TRANSPORTS) {
    it(`stops a ${transport} client at the first refusal, and says why (no reconnection loop)`, async () => {
      const relay = await fixture.relay({ protocolVersion: PROTOCOL_VERSION + 1 })
      const identity = await createIdentity()
      const counter = countingWebSocket()
      const network: Network = transport === 'mux'
        ? muxNetwork({ url: relay.wsUrl, identity, WebSocket: counter.WebSocket, maxBackoffMs: 300 })
        : websocketNetwork({ url: relay.wsUrl, identity, WebSocket: counter.WebSocket, broadcastChannel: false, maxBackoffMs: 300 })
      const doc = new Y.Doc()
      const link = network.connect(PROFILE_ROOM, doc)
      fixture.defer(() => { link.destroy(); doc.destroy() })
      await waitFor('the client to be refused, or to try again', () => link.status === 'refused' || counter.opened > 1)
      await new Promise(resolve => setTimeout(resolve, WATCH_MS))
      expect({ opened: counter.opened, status: link.status, refusal: link.refusal }).toEqual({ opened: 1, status: 'refused', refusal: 'relay-newer' })
    })
  }
})
