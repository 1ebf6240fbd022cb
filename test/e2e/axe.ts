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

/** Runs axe-core on the whole page; one line per broken rule: its id, impact, help and where. */
export const axeViolations = async (page: Page): Promise<string[]> => {
  if (!await page.evaluate(() => 'axe' in window)) await page.addScriptTag({ path: AXE_SCRIPT })
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(context: Document): Promise<{ violations: Violation[] }> } }
    return (await axe.run(document)).violations
  })
  return violations.map(violation =>
    `${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help} at ${violation.nodes.map(node => node.target.join(' ')).join(', ')}`)
}
