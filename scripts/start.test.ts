// `npm start -- FLAGS` hands every flag to the relay's configuration, and checks them before building.
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `npm start -- ...flags` from the project root, as a person types it. */
const npmStart = (flags: string[]): Promise<Run> => new Promise((done, fail) => {
  // NOTE: none of the relay's variables from the caller's environment, so only the flags decide.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(PORT|HOST|PARLEY_)/.test(name)))
  const child = spawn('npm', ['start', '--', ...flags], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => { stdout += chunk })
  child.stderr.on('data', chunk => { stderr += chunk })
  child.on('error', fail)
  child.on('close', code => done({ code, stdout, stderr }))
})

describe('npm start', () => {
  it('hands the port and every other flag to the relay, and refuses a bad one before building', async () => {
    const run = await npmStart(['--port', '8080', '--memory', '--max-frame-bytes', '12'])
    expect(run.stderr).toMatch(/max frame bytes must be an integer from \d+ to \d+, not "12"/)
    expect(run.stderr).not.toMatch(/Unexpected argument|Unknown cli config/)
    expect(run.stdout).not.toMatch(/vite build/)
    expect(run.code).toBe(2)
  })

  it('reads the port as the relay does', async () => {
    const run = await npmStart(['--port', 'eighty'])
    expect(run.stderr).toContain('port must be an integer from 0 to 65535, not "eighty"')
    expect(run.code).toBe(2)
  })

  it('prints the relay\'s flags for --help, without building', async () => {
    const run = await npmStart(['--help'])
    expect(run.stdout).toContain('npm start -- [options]')
    expect(run.stdout).toContain('--public-url URL')
    expect(run.stdout).toContain('--quota-bytes-per-user N')
    expect(run.stdout).not.toMatch(/vite build/)
    expect(run.code).toBe(0)
  })
})
