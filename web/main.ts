// The browser entry: find the relay and the stored identity, start a session and mount the app.
import './app.css'
import { mount } from 'svelte'
import App from './App.svelte'
import { loadIdentity } from './identity-store'
import { currentInvite } from './invite'
import { registerServiceWorker } from './offline/register'
import { currentRelay, relayLink, saveRelay, savedRelay, withoutRelayLink, type RelayChoice, type RelayLink } from './relay-url'
import { Session } from './session.svelte'

let relay: RelayChoice | null = null
let link: RelayLink | null = null
let relayProblem: unknown = null
try {
  relay = currentRelay(location.href, savedRelay())
  link = relayLink(location.href, relay)
} catch (error) {
  relayProblem = error
}

let session: Session | null = null

/** Opens the session on the current relay: at once, or once the person has answered a link to another one. */
const start = (): Promise<Session> => {
  if (relay === null) return Promise.reject(relayProblem)
  const url = relay.url
  const invite = currentInvite(location.href)
  const starting = loadIdentity().then(({ identity, created }) => Session.open({ identity, url, created, invite }))
  starting.then(started => {
    session = started
    if (!navigator.onLine) session.setNetworkUp(false)
  }, () => {})
  return starting
}

/** Saves the relay address and loads the app again without `?relay=`. */
const useRelay = (url: string | null) => {
  saveRelay(url)
  location.replace(withoutRelayLink(location.href))
}

/** Stays on the current relay: the link's `?relay=` leaves the address, so a reload does not ask again. */
const stayOnRelay = () => {
  history.replaceState(history.state, '', withoutRelayLink(location.href))
}

// NOTE: a page kept in the back/forward cache keeps its socket open and so would still look
// online to others; go offline while it is hidden that way, and back online when it returns.
addEventListener('pagehide', event => { if (event.persisted) session?.setPageShown(false) })
addEventListener('pageshow', event => { if (event.persisted) session?.setPageShown(true) })
addEventListener('offline', () => session?.setNetworkUp(false))
addEventListener('online', () => session?.setNetworkUp(true))

registerServiceWorker()
mount(App, { target: document.getElementById('app')!, props: { start, relay, link, onrelay: useRelay, onstay: stayOnRelay } })
