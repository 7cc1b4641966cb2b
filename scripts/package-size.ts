/**
 * `npm run size`: what the package costs in an app's bundle, minified and gzipped, its peers
 * (supabase-js, TanStack Query, React) excluded, as an app's production build makes it (Vite,
 * the same Rolldown an app's build uses, whitespace minified: a library-mode build keeps it).
 * Fails when an entry is over its budget. Run `npm run build:lib` first (npm test does).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Rolldown } from 'vite'

const ROOT = path.resolve(import.meta.dirname, '..')
const PEERS = [
  '@supabase/supabase-js',
  '@tanstack/query-core',
  '@tanstack/react-query',
  'react',
  '@opentelemetry/api',
]

/**
 * Budgets, minified + gzipped, with about 5% of headroom over what the features need: a feature
 * that needs more says so by raising it here, in its own commit. 0.2.0: core 9.0 kB, with the
 * React layer 9.3 kB (budgets 10 / 10.5 kB). Raised for refetch outcomes and the Queries tab's
 * summaries (the `refetched` event, refetch metrics and percentiles, getQueries): 11.2 / 11.1 kB.
 * Raised for the replay after a gap (the catch-up, the paged events read, the cursors, the
 * replication wait and the rejoin of a closed channel, with the sentences the log shows):
 * 13.8 / 13.7 kB. Raised for the writer's own refresh (refreshWrites, useRealtimeMutation's
 * refetch on settle), record scopes and the topic-collision warning: 16.1 / 16.1 kB. Those were
 * library-mode builds, which keep whitespace. 0.3.0, measured as an app's build: the engine
 * logs facts and its sentences moved to ./describe (16.0 → 15.6 kB in library mode, 13.9 kB in
 * an app's build); budgets lowered to 14.6 / 14.6, ./describe 2.6 kB (budget 2.8). Raised for
 * the engine confirming its own writes (writeConfirmMs, the unconfirmed kind, the read as this
 * user, and their sentences): 14.7 / 14.7, ./describe 3.3 kB. Raised for what a refetch changed
 * (the `diffs` option: the bounded diff, and the secret rules its previews apply, now shared with
 * the bridge): 16.2 / 16.2 kB (the diff about 1.0 kB, the redaction rules 0.5 kB), ./describe
 * 3.6 kB (its lines). onMetrics (the minute timer, the 'metrics' change) took 0.36 kB: 16.6 /
 * 16.6 kB. ./otel, the OpenTelemetry instruments (their table, the recorder; @opentelemetry/api
 * is a peer and only its types are used): 2.2 kB (budget 2.3). ./simulate, simulate(log,
 * options), an entry of its own as a tool for tests and the panel rather than the app (about 4 kB
 * over the engine's pipeline, which the core's budget has no room for): 14.8 kB with the pipeline
 * it replays (budget 15.5), shared with the core in an app that imports both.
 *
 * What an entry loads only when called (a dynamic import: its own chunk in the app's build) is
 * measured apart from what the app loads at start, and held to LAZY_BUDGETS. engine.exportLog()
 * (issue 28 §2) imports the export's writer (the panel's), the deep redaction, the contract's
 * field order and the sentences on its first call: 5.0 kB then (budget 5.3). Raised for it:
 * 16.5 → 17.5 kB (budgets 18.0 / 18.0), of which 0.3 kB is the method, the snapshot it takes and
 * a faster redaction test, and 0.7 kB Vite's preload helper, which every import() brings into an
 * app's build (one per app: an app that already splits its code has it). Written in the core,
 * the writer would have cost 1.5 kB there, without the sentences.
 */
export const SIZE_BUDGETS = {
  '.': 18_000,
  './react': 18_000,
  './describe': 3_800,
  './otel': 2_300,
  './simulate': 15_500,
} as const

/** What an entry's app loads when exportLog() is first called (min + gz). */
export const LAZY_BUDGETS: Partial<Record<keyof typeof SIZE_BUDGETS, number>> = {
  '.': 5_300,
  './react': 5_300,
}

const ENTRY_FILES: Record<keyof typeof SIZE_BUDGETS, string> = {
  '.': 'index.js',
  './react': 'react.js',
  './describe': 'describe.js',
  './otel': 'otel.js',
  './simulate': 'simulate.js',
}

export interface EntrySize {
  entry: keyof typeof SIZE_BUDGETS
  /** What the app loads at start (the entry's chunk and every chunk it imports). */
  minified: number
  gzipped: number
  budget: number
  /** What it loads only when a dynamic import runs (exportLog's writer), min + gz; 0: none. */
  lazy: number
  lazyBudget: number
}

/** An app that uses every export of the entry (so nothing is shaken off). */
async function measure(entry: keyof typeof SIZE_BUDGETS): Promise<EntrySize> {
  const file = path.join(ROOT, 'lib', ENTRY_FILES[entry])
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build:lib first`)
  const dir = mkdtempSync(path.join(tmpdir(), 'rsd-size-'))
  const app = path.join(dir, 'app.js')
  writeFileSync(app, `import * as all from ${JSON.stringify(file)}\nglobalThis.__keep = all\n`)
  const result = (await build({
    configFile: false,
    logLevel: 'silent',
    root: dir,
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rollupOptions: {
        input: app,
        preserveEntrySignatures: false,
        external: (id) => PEERS.some((peer) => id === peer || id.startsWith(`${peer}/`)),
      },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  const output = Array.isArray(result) ? result : [result]
  rmSync(dir, { recursive: true, force: true })
  const chunks = output
    .flatMap((result) => result.output)
    .filter((chunk): chunk is Rolldown.OutputChunk => chunk.type === 'chunk')
  // Loaded at start: the entry and what it imports, transitively; the rest waits for its import().
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]))
  const eager = new Set<string>()
  const load = (name: string) => {
    if (eager.has(name)) return
    eager.add(name)
    for (const imported of byName.get(name)?.imports ?? []) load(imported)
  }
  for (const chunk of chunks) if (chunk.isEntry) load(chunk.fileName)
  const code = (atStart: boolean) =>
    chunks
      .filter((chunk) => eager.has(chunk.fileName) === atStart)
      .map((chunk) => chunk.code)
      .join('\n')
  const initial = code(true)
  const lazy = code(false)
  return {
    entry,
    minified: Buffer.byteLength(initial),
    gzipped: gzipSync(initial, { level: 9 }).byteLength,
    budget: SIZE_BUDGETS[entry],
    lazy: lazy === '' ? 0 : gzipSync(lazy, { level: 9 }).byteLength,
    lazyBudget: LAZY_BUDGETS[entry] ?? 0,
  }
}

export async function packageSizes(): Promise<EntrySize[]> {
  const sizes: EntrySize[] = []
  for (const entry of Object.keys(SIZE_BUDGETS) as (keyof typeof SIZE_BUDGETS)[]) {
    sizes.push(await measure(entry))
  }
  return sizes
}

if (process.argv[1] === import.meta.filename) {
  const sizes = await packageSizes()
  let over = false
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
  for (const size of sizes) {
    const ok = size.gzipped <= size.budget && size.lazy <= size.lazyBudget
    over ||= !ok
    console.log(
      `${ok ? 'PASS' : 'OVER'}  realtime-sync-devtools${size.entry === '.' ? '' : size.entry.slice(1)}: ` +
        `${kB(size.gzipped)} min+gz (${kB(size.minified)} min), budget ${kB(size.budget)}, peers excluded` +
        (size.lazy === 0 && size.lazyBudget === 0
          ? ''
          : `; + ${kB(size.lazy)} on exportLog()'s first call, budget ${kB(size.lazyBudget)}`),
    )
  }
  process.exitCode = over ? 1 : 0
}
