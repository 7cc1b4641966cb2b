import { readFile, realpath } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

export interface SiteOptions {
  /** The built folder to serve. */
  root: string
  /** 0 (default) takes any free port. */
  port?: number
  host?: string
  /** Extra files served from memory (e.g. demo-config.json), by path without the leading /. */
  files?: Record<string, string>
}

export interface Site {
  url: string
  close(): Promise<void>
}

/**
 * Serves a built page folder over http (a real origin: the extension injects only into http(s)
 * pages). GET and HEAD only; paths are resolved inside the root, symlinks included, so nothing
 * outside it can be read. Used by `npm run demo`, the browser tests and the browser benchmarks.
 */
export async function serveSite({
  root,
  port = 0,
  host = '127.0.0.1',
  files = {},
}: SiteOptions): Promise<Site> {
  const realRoot = await realpath(root)
  const server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://site').pathname)
    } catch {
      response.writeHead(400).end()
      return
    }
    const relative = pathname === '/' ? 'index.html' : pathname.slice(1)
    const headers = (name: string) => ({
      'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    })
    const inMemory = files[relative]
    if (inMemory !== undefined) {
      response.writeHead(200, headers(relative)).end(request.method === 'HEAD' ? '' : inMemory)
      return
    }
    try {
      const file = await realpath(path.join(realRoot, path.normalize(relative)))
      if (file !== realRoot && !file.startsWith(realRoot + path.sep)) throw new Error('outside')
      const body = await readFile(file)
      response.writeHead(200, headers(file)).end(request.method === 'HEAD' ? '' : body)
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
