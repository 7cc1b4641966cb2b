/**
 * The package on a server (Next.js App Router, Remix, any SSR): each entry imported in plain Node,
 * with no DOM, touches nothing of a browser at import; a server render of the provider starts no
 * engine; the React entry says "use client", so a server component may import the provider; and
 * the main entry needs no React, so it also loads under the `react-server` condition (a server
 * component's own graph). Built afresh from src/ with the package's own build (tsup.config.ts).
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { library } from '../../tsup.config'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
let out: string

beforeAll(async () => {
  // Inside the repository, so the built files resolve the peers from its node_modules.
  const cache = path.join(ROOT, 'node_modules', '.cache')
  mkdirSync(cache, { recursive: true })
  out = mkdtempSync(path.join(cache, 'server-import-'))
  await build({ ...library(out), dts: false, silent: true, config: false })
}, 120_000)

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true })
})

/** What a browser has and a server does not: any read of these at import is a bug. */
const BROWSER_GLOBALS = [
  'window',
  'document',
  'self',
  'WebSocket',
  'localStorage',
  'sessionStorage',
  'location',
  'navigator',
  'HTMLElement',
  'requestAnimationFrame',
]

/** Runs `body` as an ES module in a fresh Node process, globals trapped; its JSON output. */
async function inNode(body: string, conditions: string[] = []): Promise<Record<string, unknown>> {
  const script = `
    const touched = []
    for (const name of ${JSON.stringify(BROWSER_GLOBALS)}) {
      const descriptor = Object.getOwnPropertyDescriptor(globalThis, name)
      if (descriptor && !descriptor.configurable) continue
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          // Where the read came from: the frame above this getter.
          touched.push({ name, site: (new Error().stack ?? '').split('\\n')[2]?.trim() ?? '' })
          return descriptor?.get ? descriptor.get() : descriptor?.value
        },
      })
    }
    const lib = (file) => import(${JSON.stringify(pathToFileURL(out).href)} + '/' + file)
    const result = {}
    ${body}
    // Ours only: a peer may feature-detect (query-core's isServer reads typeof window).
    result.touched = touched.filter((read) => read.site.includes(${JSON.stringify(path.basename(out))}))
    result.peers = [...new Set(touched.map((read) => read.name))]
    result.registry = '__REALTIME_SYNC_DEVTOOLS__' in globalThis
    console.log(JSON.stringify(result))
  `
  const { stdout } = await run(
    process.execPath,
    [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', script],
    { cwd: ROOT },
  ).catch((error: { stderr?: string }) => {
    throw new Error(`the script failed in Node:\n${error.stderr ?? String(error)}`)
  })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
}

describe('on a server', () => {
  it('imports the entries in plain Node with no DOM, touching nothing of a browser', async () => {
    const result = await inNode(`
      const main = await lib('index.js')
      const react = await lib('react.js')
      const otel = await lib('otel.js')
      const simulate = await lib('simulate.js')
      result.main = Object.keys(main).sort()
      result.simulate = Object.keys(simulate).sort()
      result.react = Object.keys(react).sort()
      result.otel = Object.keys(otel).sort()
      result.key = main.createQueryKeys(['deals']).deals.record('d1')
    `)
    expect(result.main).toEqual(expect.arrayContaining(['createQueryKeys', 'createRealtimeSync']))
    expect(result.react).toEqual([
      'RealtimeSyncProvider',
      'useRealtimeChannels',
      'useRealtimeMutation',
      'useRealtimeSync',
    ])
    expect(result.otel).toEqual([
      'DURATION_BUCKETS_S',
      'OTEL_INSTRUMENTS',
      'instrumentRealtimeSync',
    ])
    expect(result.simulate).toEqual(['SIMULATION_LIMITS', 'simulate'])
    expect(result.key).toEqual(['deals', 'record', 'd1'])
    expect(result.touched).toEqual([])
    expect(result.registry).toBe(false)
  })

  it('the OpenTelemetry entry imports nothing at run time (@opentelemetry/api is a peer for its types)', () => {
    const code = readFileSync(path.join(out, 'otel.js'), 'utf8')
    expect(code).not.toMatch(/^\s*import\b|\bimport\(|\brequire\(/m)
  })

  it('renders the provider on the server without starting an engine (effects only run in the browser)', async () => {
    const result = await inNode(`
      const { createElement: h } = await import('react')
      const { renderToString } = await import('react-dom/server')
      const { QueryClient, QueryClientProvider } = await import('@tanstack/react-query')
      const { RealtimeSyncProvider, useRealtimeSync } = await lib('react.js')
      const channels = []
      const supabase = { channel: (name) => { channels.push(name); throw new Error('no channel on the server') }, realtime: { setAuth: async () => {} } }
      function Page() { return h('p', null, 'engine: ' + String(useRealtimeSync())) }
      result.html = renderToString(
        h(QueryClientProvider, { client: new QueryClient() },
          h(RealtimeSyncProvider, { supabase, userId: 'u1', organizationIds: ['org_acme'] }, h(Page))),
      )
      result.channels = channels
    `)
    expect(result.html).toBe('<p>engine: null</p>')
    expect(result.channels).toEqual([])
    expect(result.touched).toEqual([])
    expect(result.registry).toBe(false)
  })

  it('marks the React entry "use client", and only it, so a server component may import the provider', () => {
    const first = (file: string) => readFileSync(path.join(out, file), 'utf8').split('\n')[0]
    expect(first('react.js')).toBe('"use client";')
    expect(first('index.js')).not.toMatch(/use client/)
  })

  it("loads the main entry under the react-server condition: it needs nothing of React's client", async () => {
    const result = await inNode(
      `
      const main = await lib('index.js')
      result.key = main.createQueryKeys(['deals']).deals.list({ stage: 'won' })
    `,
      ['react-server'],
    )
    expect(result.key).toEqual(['deals', 'list', { stage: 'won' }])
    expect(result.touched).toEqual([])
  })
})
