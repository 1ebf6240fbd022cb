// <parley-chat relay="wss://…" conversation="user:<id>|group:<id>" name="…">: one Parley
// conversation on any page, with the app's model and storage, in one ES module (Lit bundled in).
import { LitElement, html, nothing, type PropertyValues } from 'lit'
import { LIMITS, closeText, type Message } from '../../client'
import { describeError } from '../core/errors'
import { describeStatus, describeUnverified, formatTime } from '../core/format'
import { parleyChatStyles } from './parley-chat-styles'
import { WidgetChat } from './widget-chat'
import { widgetRelay } from './widget-relay'

export const MESSAGE_SENT = 'parley-message-sent'
export const MESSAGE_RECEIVED = 'parley-message-received'

export interface ParleyMessageDetail {
  message: Message
}

export class ParleyChat extends LitElement {
  static override styles = parleyChatStyles

  static override properties = {
    relay: { type: String },
    conversation: { type: String },
    name: { type: String },
    _sendProblem: { state: true },
    _joinProblem: { state: true }
  }

  // NOTE: declared, not initialised as class fields: a field would shadow Lit's reactive accessor.
  /** The relay's address (ws://, wss://, http:// or https://); by default the host that served this script. */
  declare relay: string | null
  /** `user:<user_id>` or `group:<group_id>`. */
  declare conversation: string | null
  /** The display name to join with (and, when it changes, to rename to). */
  declare name: string | null
  declare _sendProblem: string | null
  declare _joinProblem: string | null

  #chat: WidgetChat | null = null
  /** The relay URL the current chat was started with. */
  #startedRelay: string | null = null
  #stickToBottom = true

  /** This browser's Parley user id once started (others reach this person with `user:<id>`). */
  get userId (): string | null { return this.#chat?.me ?? null }

  readonly #onNetwork = (): void => this.#chat?.setNetworkUp(navigator.onLine)

  constructor () {
    super()
    this.relay = null
    this.conversation = null
    this.name = null
    this._sendProblem = null
    this._joinProblem = null
  }

  override connectedCallback (): void {
    super.connectedCallback()
    addEventListener('online', this.#onNetwork)
    addEventListener('offline', this.#onNetwork)
    // Back in a page after removal: start again (willUpdate sees no chat).
    if (this.#chat === null && this.hasUpdated) this.requestUpdate()
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    removeEventListener('online', this.#onNetwork)
    removeEventListener('offline', this.#onNetwork)
    void this.#stop()
  }

  async #stop (): Promise<void> {
    const chat = this.#chat
    this.#chat = null
    this.#startedRelay = null
    await chat?.close()
  }

  override willUpdate (changed: PropertyValues<this>): void {
    if (!this.isConnected) return
    let relay: string
    try {
      relay = widgetRelay(this.relay, import.meta.url)
    } catch (error) {
      void this.#stop()
      this.#startedRelay = describeError(error)
      return
    }
    if (this.#chat === null || relay !== this.#startedRelay) {
      void this.#stop()
      this.#start(relay)
      return
    }
    if (changed.has('conversation')) this.#chat.choose(this.conversation)
    if (changed.has('name')) this.#chat.rename(this.name)
  }

  #start (relay: string): void {
    const chat = new WidgetChat({
      changed: () => { if (this.#chat === chat) this.requestUpdate() },
      received: message => { if (this.#chat === chat) this.#emit(MESSAGE_RECEIVED, message) }
    })
    this.#chat = chat
    this.#startedRelay = relay
    chat.choose(this.conversation)
    if (!navigator.onLine) chat.setNetworkUp(false)
    void chat.start(relay, this.name)
  }

  #emit (type: string, message: Message): void {
    this.dispatchEvent(new CustomEvent<ParleyMessageDetail>(type, { detail: { message }, bubbles: true, composed: true }))
  }

  override render () {
    const chat = this.#chat
    if (chat === null) return html`<p class="notice" role="alert" part="problem">${this.#startedRelay ?? 'Not started.'}</p>`
    return html`
      <header part="header">
        <h2 part="title">${chat.phase === 'ready' ? chat.title : 'Parley'}</h2>
        <p role="status" part="status" class=${chat.status}><span class="dot" aria-hidden="true"></span>${describeStatus(chat.status)}</p>
      </header>
      ${chat.status === 'refused' && chat.refusal !== null
        ? html`<p class="notice" role="alert" part="problem">${closeText(chat.refusal)}</p>`
        : nothing}
      <div class="body">${this.#renderBody(chat)}</div>
    `
  }

  #renderBody (chat: WidgetChat) {
    switch (chat.phase) {
      case 'starting': return html`<p class="notice">Opening…</p>`
      case 'failed': return html`<p class="notice" role="alert" part="problem">Parley could not start: ${chat.failure}</p>`
      case 'join': return this.#renderJoin()
      case 'ready':
        if (chat.problem !== null) return html`<p class="notice" role="alert" part="problem">${chat.problem}</p>`
        if (!chat.open) return html`<p class="notice">Opening the conversation…</p>`
        return html`${this.#renderLog(chat)}${this.#renderComposer()}`
    }
  }

  #renderJoin () {
    return html`
      <form class="join" part="join" @submit=${this.#join}>
        <label for="display-name">Display name</label>
        <input id="display-name" name="name" maxlength=${LIMITS.nameLength} autocomplete="nickname" required>
        ${this._joinProblem ? html`<p class="problem" role="alert">${this._joinProblem}</p>` : nothing}
        <button type="submit">Join</button>
      </form>
    `
  }

  #renderLog (chat: WidgetChat) {
    const me = chat.me
    return html`
      <section role="log" aria-label="Messages" part="log" @scroll=${this.#onScroll}>
        ${chat.messages.length === 0 ? html`<p class="empty">No messages yet. Say hello!</p>` : nothing}
        <ul>${chat.messages.map(message => {
          const mine = message.sender_id === me
          const pending = chat.isPending(message.message_id)
          const deleted = message.deleted_at !== null
          return html`
            <li part="message${mine ? ' message-mine' : ''}" class="${mine ? 'mine' : ''} ${pending ? 'pending' : ''}">
              <span class="meta">
                <span class="sender" part="sender">${chat.nameOf(message.sender_id)}</span>
                <time datetime=${message.created_at}>${formatTime(message.created_at)}</time>
                ${pending ? html`<span>Sending…</span>` : nothing}
              </span>
              <p class="content ${deleted ? 'deleted' : ''}" part="content">${deleted ? 'Message deleted' : message.content}</p>
            </li>`
        })}</ul>
      </section>
      ${chat.unverified > 0
        ? html`<p class="unverified" role="status" part="unverified">${describeUnverified(chat.unverified)}</p>`
        : nothing}
    `
  }

  #renderComposer () {
    return html`
      <form part="composer" @submit=${this.#send}>
        <label for="message" class="visually-hidden">Message</label>
        <textarea id="message" part="input" rows="1" maxlength=${LIMITS.contentLength} placeholder="Write a message"
          aria-describedby="hint" @keydown=${this.#onKeydown}></textarea>
        <button type="submit" part="send">Send</button>
        <span id="hint" class="visually-hidden">Enter sends, Shift+Enter starts a new line.</span>
      </form>
      ${this._sendProblem ? html`<p class="problem" role="alert">${this._sendProblem}</p>` : nothing}
    `
  }

  #onScroll (event: Event): void {
    const log = event.currentTarget as HTMLElement
    this.#stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
  }

  override updated (): void {
    const log = this.renderRoot.querySelector<HTMLElement>('[role="log"]')
    if (log && this.#stickToBottom) log.scrollTop = log.scrollHeight
  }

  #onKeydown (event: KeyboardEvent): void {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition is neither.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      void this.#send()
    }
  }

  async #send (event?: SubmitEvent): Promise<void> {
    event?.preventDefault()
    const box = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')
    const chat = this.#chat
    if (!box || !chat || box.value.trim() === '') return
    const content = box.value
    this._sendProblem = null
    // NOTE: cleared before the write, so typing goes on at once; put back if the write fails.
    box.value = ''
    this.#stickToBottom = true
    try {
      this.#emit(MESSAGE_SENT, await chat.send(content))
    } catch (error) {
      if (box.value === '') box.value = content
      this._sendProblem = describeError(error)
    }
  }

  #join (event: SubmitEvent): void {
    event.preventDefault()
    const input = (event.currentTarget as HTMLFormElement).querySelector('input')
    const name = input?.value ?? ''
    this._joinProblem = null
    if (name.trim() === '') {
      this._joinProblem = 'Enter the name others will see.'
      return
    }
    try {
      this.#chat?.join(name)
    } catch (error) {
      this._joinProblem = describeError(error)
    }
  }
}

// NOTE: loading the module twice (two script tags, two bundles) must not throw.
if (!customElements.get('parley-chat')) customElements.define('parley-chat', ParleyChat)

declare global {
  interface HTMLElementTagNameMap {
    'parley-chat': ParleyChat
  }
  interface HTMLElementEventMap {
    'parley-message-sent': CustomEvent<ParleyMessageDetail>
    'parley-message-received': CustomEvent<ParleyMessageDetail>
  }
}
