// A server's JavaScript heap, read from outside through its inspector: a full GC first, so that memory figures are not GC timing.
import WebSocket from 'ws'
import type { RunningServer } from '../servers'

/** Environment that opens a server's inspector on a free port (announced on its stderr). */
export const INSPECTOR_ENV: Record<string, string> = { NODE_OPTIONS: '--inspect=127.0.0.1:0' }

export interface HeapReading {
  /** V8 heap in use after a full GC, bytes (ArrayBuffers and socket buffers are not in it: see RSS). */
  usedBytes: number
  /** The process's RSS right after that GC, bytes. */
  rssBytes: number
}

/**
 * Collects garbage in the server and reads its heap. NOTE: the inspector session is opened
 * only for this and closed at once; an inspector nobody is attached to costs the server nothing.
 */
export const readHeap = async (server: Pick<RunningServer, 'inspectorUrl' | 'rssBytes'>, timeoutMs = 10_000): Promise<HeapReading> => {
  const url = server.inspectorUrl()
  if (!url) throw new Error('the server has no inspector open (start it with INSPECTOR_ENV)')
  const socket = new WebSocket(url, { perMessageDeflate: false })
  const pending = new Map<number, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>()
  let nextId = 1
  const call = (method: string): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject })
    socket.send(JSON.stringify({ id, method }))
  })
  socket.on('message', data => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> }
    if (message.id !== undefined) pending.get(message.id)?.resolve(message.result ?? {})
  })
  socket.on('close', () => { for (const { reject } of pending.values()) reject(new Error('inspector closed')) })
  const timer = setTimeout(() => socket.terminate(), timeoutMs)
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('close', () => reject(new Error('inspector closed')))
    })
    await call('HeapProfiler.collectGarbage')
    const usage = await call('Runtime.getHeapUsage')
    const rssBytes = await server.rssBytes()
    return { usedBytes: Number(usage.usedSize), rssBytes }
  } finally {
    clearTimeout(timer)
    socket.close()
  }
}
