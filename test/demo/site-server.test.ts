import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Site, serveSite } from '../../demo/site-server'

let site: Site
let root: string

beforeAll(async () => {
  const parent = mkdtempSync(path.join(tmpdir(), 'rsd-site-'))
  root = path.join(parent, 'app')
  mkdirSync(root)
  writeFileSync(path.join(root, 'index.html'), '<h1>demo</h1>')
  writeFileSync(path.join(parent, 'secret.txt'), 'outside')
  symlinkSync(path.join(parent, 'secret.txt'), path.join(root, 'link.txt'))
  site = await serveSite({ root, files: { 'demo-config.json': '{"a":1}' } })
})

afterAll(async () => {
  await site?.close()
})

const get = (pathname: string, init?: RequestInit) => fetch(`${site.url}${pathname}`, init)

describe('the demo site server', () => {
  it('serves the index, files from the root and the in-memory config', async () => {
    const index = await get('/')
    expect(index.headers.get('content-type')).toMatch(/text\/html/)
    expect(await index.text()).toBe('<h1>demo</h1>')
    const config = await get('/demo-config.json')
    expect(config.headers.get('content-type')).toMatch(/application\/json/)
    expect(await config.json()).toEqual({ a: 1 })
  })

  it('never serves a file outside its root: traversal, encoded traversal or symlink', async () => {
    const raw = (pathname: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(site.url)
        request({ host: url.hostname, port: url.port, path: pathname }, (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
          .on('error', reject)
          .end()
      })
    expect(await raw('/../secret.txt')).toBe(404)
    expect(await raw('/%2e%2e/secret.txt')).toBe(404)
    expect(await raw('/%2e%2e%2fsecret.txt')).toBe(404)
    expect(await raw('/link.txt')).toBe(404)
    expect(await raw('/%E0%A4%A')).toBe(400)
  })

  it('answers only GET and HEAD', async () => {
    expect((await get('/', { method: 'POST', body: 'x' })).status).toBe(405)
    expect((await get('/', { method: 'HEAD' })).status).toBe(200)
  })
})
