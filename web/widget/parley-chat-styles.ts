// The look of <parley-chat>, inside its shadow DOM. Host pages theme it with the --parley-*
// custom properties below and style its parts (::part(log), ::part(message), …).
import { css } from 'lit'

export const parleyChatStyles = css`
  :host {
    --_accent: var(--parley-accent, #2b5fd9);
    --_accent-text: var(--parley-accent-text, #fff);
    --_background: var(--parley-background, #fff);
    --_surface: var(--parley-surface, #f1f3f6);
    --_text: var(--parley-text, #1b1f24);
    --_muted: var(--parley-muted, #5d6673);
    --_border: var(--parley-border, #d5d9e0);
    --_radius: var(--parley-radius, 12px);
    --_online: var(--parley-online, #1f8a4c);
    --_danger: var(--parley-danger, #b42318);
    display: flex;
    flex-direction: column;
    box-sizing: border-box;
    height: var(--parley-height, 28rem);
    min-width: 16rem;
    font: 15px/1.4 var(--parley-font, system-ui, sans-serif);
    color: var(--_text);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }

  :host([hidden]) { display: none; }

  *, *::before, *::after { box-sizing: border-box; }

  header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 0.75rem;
    padding: 0.6rem 0.9rem;
    border-bottom: 1px solid var(--_border);
  }

  h2 {
    margin: 0;
    font-size: 1rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  [role='status'] {
    display: flex;
    align-items: center;
    gap: 0.35rem;
    margin: 0;
    font-size: 0.8rem;
    color: var(--_muted);
    white-space: nowrap;
  }

  /* Connected is a filled dot, connecting a dashed ring, offline a grey ring: shape differs, not only colour. */
  .dot {
    width: 0.55rem;
    height: 0.55rem;
    border-radius: 50%;
    border: 2px solid var(--_muted);
  }

  .connected .dot { background: var(--_online); border-color: var(--_online); }
  .connecting .dot { border-color: var(--_accent); border-style: dashed; }

  .body {
    flex: 1;
    min-height: 0;
    display: flex;
    flex-direction: column;
  }

  [role='log'] {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    padding: 0.75rem 0.9rem;
  }

  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 0.55rem;
  }

  li {
    max-width: 85%;
    align-self: flex-start;
    display: flex;
    flex-direction: column;
  }

  li.mine { align-self: flex-end; align-items: flex-end; }

  .meta {
    display: flex;
    gap: 0.4rem;
    font-size: 0.75rem;
    color: var(--_muted);
    padding: 0 0.2rem;
  }

  .sender { font-weight: 600; color: var(--_text); }

  .content {
    margin: 0.1rem 0 0;
    padding: 0.45rem 0.7rem;
    border-radius: var(--_radius);
    background: var(--_surface);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }

  .mine .content { background: var(--_accent); color: var(--_accent-text); }
  .pending .content { opacity: 0.75; }
  .deleted { font-style: italic; color: var(--_muted); }
  .mine .deleted { background: var(--_surface); color: var(--_muted); }

  .empty, .notice {
    margin: auto;
    padding: 1rem;
    text-align: center;
    color: var(--_muted);
  }

  form {
    display: flex;
    gap: 0.5rem;
    align-items: flex-end;
    padding: 0.6rem 0.75rem;
    border-top: 1px solid var(--_border);
  }

  form.join {
    flex-direction: column;
    align-items: stretch;
    margin: auto 0;
    border-top: none;
    padding: 1.25rem;
  }

  label { font-weight: 600; }

  textarea, input {
    flex: 1;
    min-width: 0;
    font: inherit;
    color: inherit;
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.6);
    padding: 0.5rem 0.65rem;
  }

  textarea {
    resize: none;
    min-height: 2.5rem;
    max-height: 8rem;
    field-sizing: content;
  }

  button {
    font: inherit;
    font-weight: 600;
    min-height: 2.5rem;
    padding: 0 1rem;
    border: none;
    border-radius: calc(var(--_radius) * 0.6);
    background: var(--_accent);
    color: var(--_accent-text);
    cursor: pointer;
  }

  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }

  .problem {
    margin: 0;
    padding: 0 0.75rem 0.6rem;
    color: var(--_danger);
  }

  .unverified {
    margin: 0;
    padding: 0.3rem 0.75rem;
    font-size: 0.85em;
    color: var(--_muted);
    border-top: 1px dashed var(--_border);
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`
