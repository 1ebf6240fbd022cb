// A two-person conversation as a person sees it, at 1000×700; with PARLEY_SCREENSHOTS=1 the
// picture is written to docs/images/web-app.png (the README shows it).
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import {
  expectConversation,
  expectMessage,
  expectPresence,
  expectStatus,
  findAndOpen,
  nameWith,
  send,
  useBrowserFixture,
  usersList
} from './harness'

const browsers = useBrowserFixture()
const SIZE = { width: 1000, height: 700 }
const PICTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/images/web-app.png')

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer): { width: number; height: number } => {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

test('a screenshot of Alice\'s conversation with Bob', async () => {
  const relay = await browsers.relay()
  const [alice, bob] = await Promise.all([
    browsers.joined(relay, 'Alice', { viewport: SIZE }),
    browsers.joined(relay, 'Bob', { viewport: SIZE })
  ])
  await findAndOpen(alice.page, 'Bob')
  await findAndOpen(bob.page, 'Alice')
  const conversation = [
    { from: 'Alice', text: 'Hi Bob! Are we still on for lunch tomorrow?' },
    { from: 'Bob', text: 'Yes! The usual place at 12:30?' },
    { from: 'Alice', text: 'Perfect. I will book a table by the window.' },
    { from: 'Bob', text: 'Great, see you there!' }
  ]
  // Each replies once the other's message has arrived, as people do.
  for (const { from, text } of conversation) {
    const [writer, reader] = from === 'Alice' ? [alice, bob] : [bob, alice]
    await send(writer.page, text)
    await expectMessage(reader.page, from, text)
  }
  // NOTE: Bob's last reply reached Alice after the relay's confirmations of her own messages
  // (one socket, in order), so the picture shows none of hers as still being sent.
  await expectConversation(alice.page, conversation)
  await expectPresence(alice.page, 'Bob', 'online')
  await expectStatus(alice.page, ['Connected'])
  // Alice is looking at her window (it has focus), so Bob's messages count as read there.
  await alice.page.bringToFront()
  await expect.poll(() => usersList(alice.page).getByRole('button', { name: nameWith('Bob', 'unread') }).count(), { timeout: 5000 }).toBe(0)

  const png = await alice.page.screenshot({ animations: 'disabled', caret: 'hide' })
  expect(pngSize(png)).toEqual(SIZE)
  if (process.env.PARLEY_SCREENSHOTS === '1') {
    await mkdir(dirname(PICTURE), { recursive: true })
    await writeFile(PICTURE, png)
  }
})
