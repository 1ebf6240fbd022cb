// A server's output: bounded, and its inspector's address kept however much it prints after.
import { describe, expect, it } from 'vitest'
import { OUTPUT_KEPT, ServerOutput } from './server-output'

const URL = 'ws://127.0.0.1:40123/8f1c2b6e-1d2a-4c3e-9f00-123456789abc'

describe('ServerOutput', () => {
  it('keeps the inspector address once announced, after the line has left the kept output', () => {
    const output = new ServerOutput()
    output.append(`Debugger listening on ${URL}\nFor help, see: https://nodejs.org/en/docs/inspector\n`)
    output.append('warning: something\n'.repeat(2000))
    expect(output.text).toHaveLength(OUTPUT_KEPT)
    expect(output.text).not.toContain('Debugger listening')
    expect(output.inspectorUrl).toBe(URL)
  })

  it('waits for the whole line when the announcement comes in pieces', () => {
    const output = new ServerOutput()
    output.append('Debugger listening on ws://127.0.0.1:40')
    expect(output.inspectorUrl).toBeNull()
    output.append(`${URL.slice('ws://127.0.0.1:40'.length)}\n`)
    expect(output.inspectorUrl).toBe(URL)
  })

  it('has no inspector address for a server started without one', () => {
    const output = new ServerOutput()
    output.append('listening on 127.0.0.1:40000\n')
    expect(output.inspectorUrl).toBeNull()
    expect(output.text).toBe('listening on 127.0.0.1:40000\n')
  })
})
