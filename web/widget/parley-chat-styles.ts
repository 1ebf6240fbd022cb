// The look of <parley-chat> (parley-chat.css), as the element's static styles.
// NOTE: a CSS file rather than a css`` literal, so that the build minifies it like any style sheet;
// unsafeCSS only because the text is not a literal: it is this file, fixed at build time.
import { unsafeCSS } from 'lit'
import styles from './parley-chat.css?inline'

export const parleyChatStyles = unsafeCSS(styles)
