// A throwaway HTTP server on 127.0.0.1 (a secure context, so WebCrypto works) serving fixed files to the benchmark's Chromium pages.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PageFile {
  type: string
  body: Uint8Array | string
}

export interface PageServer {
  readonly url: string
  /** Serves `file` at `path` (starting with '/') from now on. */
  put(path: string, file: PageFile): void
  close(): Promise<void>
}

export const startPageServer = async (): Promise<PageServer> => {
  const files = new Map<string, PageFile>()
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://page').pathname)
    if (!file) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' })
    response.end(file.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    put: (path, file) => { files.set(path, file) },
    close: () => new Promise(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
