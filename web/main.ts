// The browser entry: find the relay and the stored identity, start a session and mount the app.
import './app.css'
import { mount } from 'svelte'
import App from './App.svelte'
import { loadIdentity } from './identity-store'
import { currentInvite } from './invite'
import { registerServiceWorker } from './offline/register'
import { chooseRelay, saveRelay, savedRelay, type RelayChoice } from './relay-url'
import { Session } from './session.svelte'

let relay: RelayChoice | null = null
let starting: Promise<Session>
try {
  const chosen = chooseRelay(location.href, savedRelay())
  relay = chosen
  const invite = currentInvite(location.href)
  starting = loadIdentity().then(({ identity, created }) => Session.open({ identity, url: chosen.url, created, invite }))
} catch (error) {
  starting = Promise.reject(error)
}

/** Saves the relay address and loads the app again without `?relay=`, which would win over it. */
const useRelay = (url: string | null) => {
  saveRelay(url)
  const next = new URL(location.href)
  next.searchParams.delete('relay')
  location.replace(next)
}

let session: Session | null = null
starting.then(started => {
  session = started
  if (!navigator.onLine) session.setNetworkUp(false)
}, () => {})

// NOTE: a page kept in the back/forward cache keeps its socket open and so would still look
// online to others; go offline while it is hidden that way, and back online when it returns.
addEventListener('pagehide', event => { if (event.persisted) session?.setPageShown(false) })
addEventListener('pageshow', event => { if (event.persisted) session?.setPageShown(true) })
addEventListener('offline', () => session?.setNetworkUp(false))
addEventListener('online', () => session?.setNetworkUp(true))

registerServiceWorker()
mount(App, { target: document.getElementById('app')!, props: { starting, relay, onrelay: useRelay } })
