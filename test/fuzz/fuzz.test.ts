// A bounded fuzz run in every `npm test`: hostile frames of every kind while honest clients talk; the relay keeps up and keeps clean.
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Fixture } from '../helpers'
import { FRAME_KINDS, HostileFrames, Random, type Frame, type HostileWorld } from './frames'
import { formatReport, inProcessRelay, runFuzz } from './run-fuzz'

const fixture = new Fixture('mux')
afterEach(() => fixture.cleanup())

/** Fixed, so that a failure reproduces; PARLEY_FUZZ_SEED runs another. */
const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 20_240_601)
const limits = { maxFrameBytes: 64 * 1024 }

describe('the relay under fuzzing', () => {
  it('stays up, keeps honest messages flowing exactly once, keeps hostile data out of honest rooms and reloads them intact', async () => {
    const dataDir = await fixture.tempDir()
    const relay = await fixture.relay({ dataDir, limits })
    const report = await runFuzz({
      relay: inProcessRelay(relay, () => fixture.relay({ dataDir, limits, port: relay.port })),
      openClient: (target, name) => fixture.client(target, name),
      seed: SEED,
      frames: 3000,
      durationMs: 20_000,
      maxFrameBytes: limits.maxFrameBytes,
      // Fewer than `npm run fuzz` uses: the other test files run beside this one on two cores.
      hostileSockets: 4
    })
    expect(report.failures, formatReport(report)).toEqual([])
    expect(report.hostileFrames).toBeGreaterThan(500)
    expect(report.honest.roundTripMs.count).toBeGreaterThan(10)
  }, 60_000)
})

describe('the frame generators', () => {
  const world: HostileWorld = {
    self: 'EEEEEEEEEEEEEEEEEEEEEE',
    playground: ['user/EEEEEEEEEEEEEEEEEEEEEE'],
    honest: ['directory', 'group/GGGGGGGGGGGGGGGGGGGGGG', 'group/GGGGGGGGGGGGGGGGGGGGGG/0'],
    forbidden: ['user/AAAAAAAAAAAAAAAAAAAAAA'],
    victim: 'AAAAAAAAAAAAAAAAAAAAAA',
    group: { group_id: 'GGGGGGGGGGGGGGGGGGGGGG', record: {} },
    maxFrameBytes: limits.maxFrameBytes,
    known: () => undefined
  }
  const sequence = (seed: number, count: number): Frame[] => {
    const frames = new HostileFrames(new Random(seed), world)
    const target = { mux: true, joined: new Set([...world.playground, ...world.honest]) }
    return Array.from({ length: count }, (_, i) => frames.next(target, FRAME_KINDS[i % FRAME_KINDS.length]))
  }
  /** A frame as a short string (deep equality of thousands of large byte arrays is slow). */
  const digest = (frame: Frame): string => `${frame.label} ${createHash('sha256').update(frame.data).digest('base64')}`

  it('make the same frames from the same seed, each within the relay\'s frame size unless meant to be over it', () => {
    const frames = sequence(7, 350)
    expect(sequence(7, 350).map(digest)).toEqual(frames.map(digest))
    expect(sequence(8, 350).map(digest)).not.toEqual(frames.map(digest))
    expect(new Set(frames.map(frame => frame.kind))).toEqual(new Set(FRAME_KINDS))
    for (const frame of frames) {
      if (!frame.label.startsWith('oversized')) expect(frame.data.length, frame.label).toBeLessThanOrEqual(limits.maxFrameBytes)
      else expect(frame.data.length, frame.label).toBeGreaterThan(limits.maxFrameBytes)
    }
  })
})
