// Every client network runs the network conformance suite against the real relay.
import WebSocket from 'ws'
import { muxNetwork } from '../client/network/mux-network'
import { offlineNetwork } from '../client/transport'
import { websocketNetwork } from '../client/network/websocket-network'
import { runNetworkConformance } from './network-conformance'

runNetworkConformance('mux', {
  open: (url, identity) => muxNetwork({ url, identity, WebSocket, maxBackoffMs: 300 }),
  reachesRelay: true
})

runNetworkConformance('websocket', {
  open: (url, identity) => websocketNetwork({ url, identity, WebSocket, broadcastChannel: false, maxBackoffMs: 300 }),
  reachesRelay: true
})

runNetworkConformance('offline', { open: () => offlineNetwork, reachesRelay: false })
