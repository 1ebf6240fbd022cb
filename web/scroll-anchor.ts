// Keeping a scrolled list still while items are added or removed around what the reader is looking at.

/** An item in view and how far below the top of the view it starts. */
export interface ScrollAnchor {
  id: string
  offset: number
}

/** Items carry their key in data-message-id; the scroller must be their offsetParent (positioned). */
const ITEM = '[data-message-id]'

export const distanceToBottom = (scroller: HTMLElement): number =>
  scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight

export const itemOf = (scroller: HTMLElement, id: string): HTMLElement | null =>
  scroller.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`)

/** The first item at least partly in view. */
export const anchorOf = (scroller: HTMLElement): ScrollAnchor | null => {
  for (const item of scroller.querySelectorAll<HTMLElement>(ITEM)) {
    if (item.offsetTop + item.offsetHeight > scroller.scrollTop) {
      return { id: item.dataset.messageId!, offset: item.offsetTop - scroller.scrollTop }
    }
  }
  return null
}

/** Scrolls so that the anchor's item is where it was; false when it is gone. */
export const restoreAnchor = (scroller: HTMLElement, anchor: ScrollAnchor): boolean => {
  const item = itemOf(scroller, anchor.id)
  if (item) scroller.scrollTop = item.offsetTop - anchor.offset
  return item !== null
}
