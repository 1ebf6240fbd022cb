// examples/embed.html with the widget in a conversation, as a visitor sees it; with
// PARLEY_SCREENSHOTS=1 the picture is written to docs/images/widget.png (docs/embedding.md shows it).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, inject, test } from 'vitest'
import { expectConversation, expectMessage, expectStatus, openUser, send, useBrowserFixture } from './harness'
import { appUserId } from './widget-page'

const browsers = useBrowserFixture()
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const PICTURE = join(ROOT, 'docs/images/widget.png')
const SIZE = { width: 900, height: 720 }

test('a screenshot of examples/embed.html with the widget', async () => {
  const relay = await browsers.relay()
  const alice = await browsers.joined(relay, 'Alice')
  const aliceId = await appUserId(alice.page)

  // The example as it is in the repository, served by the relay at /examples/embed.html (the
  // global setup copies it); its ../dist/parley-chat.js is answered with the widget built for this run.
  const visitor = await browsers.person({ viewport: SIZE })
  const page = visitor.page
  const widget = await readFile(join(inject('parleyAppDir'), 'parley-chat.js'), 'utf8')
  await page.route(`${relay.url}/dist/parley-chat.js`, route => route.fulfill({ contentType: 'text/javascript', body: widget }))
  const ws = relay.url.replace(/^http/, 'ws')
  await page.goto(`${relay.url}/examples/embed.html?relay=${encodeURIComponent(ws)}&conversation=user:${aliceId}&name=Sam`)
  await expectStatus(page, ['Connected'])

  const conversation = [
    { from: 'Sam', text: 'Hi! Is my bike ready? The order is #4127.' },
    { from: 'Alice', text: 'Hello Sam, yes: new chain and brake pads, all done.' },
    { from: 'Sam', text: 'Great, I will pick it up after work.' }
  ]
  for (const [index, { from, text }] of conversation.entries()) {
    if (from === 'Sam') {
      await send(page, text)
      // Sam's first message lists him in Alice's app.
      if (index === 0) await openUser(alice.page, 'Sam')
      await expectMessage(alice.page, from, text)
    } else {
      await send(alice.page, text)
      await expectMessage(page, from, text)
    }
  }
  await expectConversation(page, conversation)
  // The page's own script heard the reply.
  await expect.poll(() => page.locator('#last-reply').innerText()).toContain('New reply')

  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' })
  expect(png.readUInt32BE(16)).toBe(SIZE.width)
  if (process.env.PARLEY_SCREENSHOTS === '1') {
    await mkdir(dirname(PICTURE), { recursive: true })
    await writeFile(PICTURE, png)
  }
})
