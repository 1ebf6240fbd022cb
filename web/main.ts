// The browser entry: find the relay and the stored identity, start a session and mount the app.
import { mount } from 'svelte'
import App from './App.svelte'
import { loadIdentity } from './identity-store'
import { relayUrl } from './relay-url'
import { Session } from './session.svelte'

const starting = (async () => {
  const url = relayUrl(location.href)
  const { identity, created } = await loadIdentity()
  return Session.open({ identity, url, created })
})()

let session: Session | null = null
starting.then(started => { session = started }, () => {})

// NOTE: a page kept in the back/forward cache keeps its sockets open and so would still look
// online to others; go offline while it is hidden that way, and back online when it returns.
addEventListener('pagehide', event => { if (event.persisted) session?.client.setOnline(false) })
addEventListener('pageshow', event => { if (event.persisted) session?.client.setOnline(true) })

mount(App, { target: document.getElementById('app')!, props: { starting } })
