/**
 * `npm run size`: what the package costs in an app's bundle, minified and gzipped, its peers
 * (supabase-js, TanStack Query, React) excluded, as a bundler builds it (Vite, the same
 * Rolldown an app's build uses). Fails when an entry is over its budget. Run `npm run build:lib`
 * first (npm test does).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Rolldown } from 'vite'

const ROOT = path.resolve(import.meta.dirname, '..')
const PEERS = ['@supabase/supabase-js', '@tanstack/query-core', '@tanstack/react-query', 'react']

/**
 * Budgets, minified + gzipped, with about 10% of headroom over what the features need: a feature
 * that needs more says so by raising it here, in its own commit. 0.2.0: core 9.0 kB, with the
 * React layer 9.3 kB (budgets 10 / 10.5 kB). Raised for refetch outcomes and the Queries tab's
 * summaries (the `refetched` event, refetch metrics and percentiles, getQueries): 11.2 / 11.1 kB.
 * Raised for the replay after a gap (the catch-up, the paged events read, the cursors, the
 * replication wait and the rejoin of a closed channel, with the sentences the log shows):
 * 13.8 / 13.7 kB. Raised for the writer's own refresh (refreshWrites, useRealtimeMutation's
 * refetch on settle), record scopes and the topic-collision warning: 16.1 / 16.1 kB.
 */
export const SIZE_BUDGETS = { '.': 17_700, './react': 17_700 } as const

export interface EntrySize {
  entry: keyof typeof SIZE_BUDGETS
  minified: number
  gzipped: number
  budget: number
}

/** An app that uses every export of the entry (so nothing is shaken off). */
async function measure(entry: keyof typeof SIZE_BUDGETS): Promise<EntrySize> {
  const file = path.join(ROOT, 'lib', entry === '.' ? 'index.js' : 'react.js')
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build:lib first`)
  const dir = mkdtempSync(path.join(tmpdir(), 'rsd-size-'))
  const app = path.join(dir, 'app.js')
  writeFileSync(app, `import * as all from ${JSON.stringify(file)}\nglobalThis.__keep = all\n`)
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    root: dir,
    build: {
      write: false,
      minify: true,
      lib: { entry: app, formats: ['es'], fileName: 'app' },
      rollupOptions: {
        external: (id) => PEERS.some((peer) => id === peer || id.startsWith(`${peer}/`)),
      },
    },
  })) as Rolldown.RolldownOutput[]
  rmSync(dir, { recursive: true, force: true })
  const code = output
    .flatMap((result) => result.output)
    .filter((chunk): chunk is Rolldown.OutputChunk => chunk.type === 'chunk')
    .map((chunk) => chunk.code)
    .join('\n')
  return {
    entry,
    minified: Buffer.byteLength(code),
    gzipped: gzipSync(code, { level: 9 }).byteLength,
    budget: SIZE_BUDGETS[entry],
  }
}

export async function packageSizes(): Promise<EntrySize[]> {
  return [await measure('.'), await measure('./react')]
}

if (process.argv[1] === import.meta.filename) {
  const sizes = await packageSizes()
  let over = false
  for (const size of sizes) {
    const ok = size.gzipped <= size.budget
    over ||= !ok
    console.log(
      `${ok ? 'PASS' : 'OVER'}  realtime-sync-devtools${size.entry === '.' ? '' : size.entry.slice(1)}: ` +
        `${(size.gzipped / 1000).toFixed(1)} kB min+gz (${(size.minified / 1000).toFixed(1)} kB min), ` +
        `budget ${(size.budget / 1000).toFixed(1)} kB, peers excluded`,
    )
  }
  process.exitCode = over ? 1 : 0
}
