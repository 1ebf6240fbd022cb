// Small cases of the client workloads, profiled around the measured part only (the seeding is left out):
//   npx tsx bench/lib/client-profile.ts history|send [size] [profile.cpuprofile]
// then open the profile in Chrome DevTools (Performance) or summarise it by function.
import 'fake-indexeddb/auto'
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { ParleyClient } from '../../client/parley'
import { indexeddbStorage } from '../../client/storage/indexeddb-storage'
import { memoryStorage, offlineNetwork } from '../../client/transport'
import { PAGE } from './client-open'
import { benchChat, chatSeed } from './client-seed'
import { seedIndexeddb, seededMemoryStorage } from './client-storage'

type Phases = Record<string, number>

interface Scenario {
  prepare(size: number): Promise<() => Promise<Phases>>
}

const scenarios: Record<string, Scenario> = {
  /** Opening the newest page from IndexedDB: the conversation (index and newest bucket), then the page (signature checks). */
  history: {
    async prepare (size) {
      const seed = await chatSeed(size)
      await seedIndexeddb('profile/', seed.rooms)
      return async () => {
        const client = await ParleyClient.open({ identity: seed.chat.bob, network: offlineNetwork, storage: indexeddbStorage({ prefix: 'profile/' }) })
        const start = performance.now()
        const conversation = await client.openDirect(seed.chat.alice.user_id)
        const opened = performance.now()
        await conversation.history({ limit: PAGE })
        const done = performance.now()
        await client.close()
        return { open: opened - start, page: done - opened }
      }
    }
  },
  /** 200 sends by Alice into the seeded conversation (size 0: a new one), memory storage, offline. */
  send: {
    async prepare (size) {
      const seed = size === 0 ? null : await chatSeed(size)
      const chat = seed?.chat ?? await benchChat()
      return async () => {
        const storage = seed ? seededMemoryStorage(seed.rooms) : memoryStorage
        const client = await ParleyClient.open({ identity: chat.alice, network: offlineNetwork, storage })
        const conversation = await client.openDirect(chat.bob.user_id)
        await conversation.send('first: starts a bucket when the head is full')
        const start = performance.now()
        for (let i = 0; i < 200; i++) await conversation.send(`bench send ${i}: the meeting moved to three, can you send me the notes?`)
        const sent = performance.now()
        await client.close()
        return { 'µs per send': (sent - start) * 1000 / 200 }
      }
    }
  }
}

const [name = 'history', size = '10000', output = `client-${name}.cpuprofile`] = process.argv.slice(2)
const scenario = scenarios[name]
if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`)

const main = async (): Promise<void> => {
  const run = await scenario.prepare(Number(size))
  await run() // warm-up, not profiled
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  const phases: Phases[] = []
  for (let i = 0; i < 10; i++) phases.push(await run())
  const { profile } = await session.post('Profiler.stop')
  await writeFile(output, JSON.stringify(profile))
  for (const phase of Object.keys(phases[0]!)) {
    console.log(`${phase}: ${phases.map(p => p[phase]!.toFixed(1)).join(' ')} ms`)
  }
  console.log(`profile: ${output}`)
}

main().then(() => process.exit(0), error => {
  console.error(error)
  process.exit(1)
})
