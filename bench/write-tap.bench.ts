/**
 * What the write tap (bridge/writes/write-tap.ts) costs a page while DevTools is closed:
 *   - per request, in isolation: a fetch stub that returns an already-resolved 204, called bare
 *     and through the wrapper, each request awaited (so the tap's own `then` on a write, its
 *     header reads and its push into the ring are counted), for a PATCH to /rest/v1/, a GET to
 *     /rest/v1/ and a request to another URL, against the 1 µs target;
 *   - on a realistic client: supabase-js's `.from('deals').update(…).eq('id', …)` awaited end to
 *     end against the same stub, through a tapped window's fetch and a bare one, against the ≤ 3%
 *     target of the request's own client-side handling (or ≤ 1 µs).
 * Rounds interleaved; each figure is the median over rounds of the per-round difference, tapped
 * minus bare, with the middle half of those differences (25th to 75th percentile) as its spread.
 * Measured in a worker thread with a heap of its own (write-tap-worker.ts).
 */
import { Worker } from 'node:worker_threads'
import { fmt, report, type Verdict } from './measure'
import type { Paired, WriteTapFigures } from './write-tap-worker'

/** The figures, measured in a worker thread of their own (write-tap-worker.ts). */
function measureInWorker(): Promise<WriteTapFigures> {
  // tsx's loader is registered per thread: the worker registers it, then loads the TS module.
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(require('node:worker_threads').workerData) })`,
    { eval: true, workerData: new URL('./write-tap-worker.ts', import.meta.url).href },
  )
  return new Promise<WriteTapFigures>((resolve, reject) => {
    worker.once('message', (message: { figures?: WriteTapFigures; error?: string }) => {
      void worker.terminate()
      if (message.figures) resolve(message.figures)
      else reject(new Error(`write tap worker: ${message.error}`))
    })
    worker.once('error', reject)
  })
}

const signed = (ns: number) => `${ns >= 0 ? '+' : ''}${fmt(ns, 0)}`
const spread = (p: Paired) => `middle half of rounds ${signed(p.lowNs)}…${signed(p.highNs)} ns`

export async function runWriteTapBench(): Promise<Verdict[]> {
  const {
    write,
    read,
    other,
    real,
    writesRecorded,
    othersRecorded,
    clientRecorded,
    clientRequests,
  } = await measureInWorker()
  const share = real.addedNs / real.bareNs

  const perRequest = (id: string, what: string, p: Paired, tail = ''): Verdict => ({
    id,
    name: `write tap, DevTools closed: ${what} through the wrapper (stub fetch, resolved 204)`,
    figure: `${signed(p.addedNs)} ns per request (${fmt(p.tappedNs, 0)} vs ${fmt(p.bareNs, 0)} ns bare; ${spread(p)})${tail}`,
    value: p.addedNs,
    target: '≤ 1 µs per request',
    ok: p.addedNs <= 1_000,
  })
  const verdicts: Verdict[] = [
    perRequest(
      'write-tap-write',
      'a PATCH to /rest/v1/',
      write,
      `, ${fmt(writesRecorded)} writes recorded`,
    ),
    perRequest('write-tap-rest-read', 'a GET to /rest/v1/', read),
    perRequest(
      'write-tap-other-url',
      'a POST to another URL',
      other,
      `, ${fmt(othersRecorded)} recorded`,
    ),
    {
      id: 'write-tap-supabase-js',
      name: `write tap on a realistic client: supabase-js's update().eq() awaited end to end, ${fmt(clientRequests)} a round`,
      figure: `${fmt(real.tappedNs / 1000, 2)} µs per update tapped vs ${fmt(real.bareNs / 1000, 2)} µs bare: ${signed(real.addedNs)} ns = ${share >= 0 ? '+' : ''}${fmt(share * 100, 1)}% (${spread(real)}; ${fmt(clientRecorded)} writes recorded)`,
      value: share,
      target: '≤ 3% of the request’s own client-side handling, or ≤ 1 µs per request',
      ok: share <= 0.03 || real.addedNs <= 1_000,
    },
  ]
  report('Write tap with DevTools closed', verdicts)
  return verdicts
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runWriteTapBench()
  process.exit(0)
}
