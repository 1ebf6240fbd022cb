// axe-core in a person's page: the accessibility rules the screen as it is now breaks, in words (none expected).
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/** What the test needs of one axe-core violation. */
interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: unknown[] }>
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * Runs axe-core on the whole page, or on the element `within` selects (an embedded widget, whose
 * host page is not ours to judge); one line per broken rule: its id, impact, help and where.
 */
export const axeViolations = async (page: Page, within?: string): Promise<string[]> => {
  if (!await page.evaluate(() => 'axe' in window)) await page.addScriptTag({ path: AXE_SCRIPT })
  const violations = await page.evaluate(async within => {
    const { axe } = window as unknown as { axe: { run(context: Document | Element): Promise<{ violations: Violation[] }> } }
    const context = within === undefined ? document : document.querySelector(within)
    if (context === null) throw new Error(`nothing on the page matches ${within}`)
    return (await axe.run(context)).violations
  }, within)
  return violations.map(violation =>
    `${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help} at ${violation.nodes.map(node => node.target.join(' ')).join(', ')}`)
}
