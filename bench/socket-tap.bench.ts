/**
 * What the socket tap (bridge/socket/socket-tap.ts) costs a page while DevTools is closed:
 *   - per frame, in isolation: one record into the ring, against the 1 µs target;
 *   - on a realistic socket: supabase-js receiving bursts of postgres_changes frames through the
 *     tapped WebSocket and through the plain one, each in its own worker thread (its own heap),
 *     bursts interleaved, against the ≤ 3% target of the app's own frame handling;
 *   - per QueryCache event: a QueryClient with the cache tap against one without.
 * The tapped socket is installed as the extension installs it: with its (idle) fault switches.
 */
import { Worker } from 'node:worker_threads'
import { QueryClient } from '@tanstack/query-core'
import { type CacheRecord, QueryCacheTap } from '../bridge/query-cache-tap'
import { TapRing } from '../bridge/socket/socket-tap'
import { fmt, median, percentile, report, type Verdict } from './measure'
import { sized } from './smoke'

const ROUNDS = sized(7, 1)
/** Frames per burst: about 30 ms of a client's handling here, short enough to pair finely. */
const BURST = sized(5_000, 200)
/** Pairs of bursts (one plain, one tapped, back to back, the order alternating). */
const PAIRS = sized(101, 2)
/** Bursts each side runs before the pairs: the JIT and the heap settle. */
const WARM_UP_BURSTS = sized(6, 1)
const RING_PUSHES = sized(1_000_000, 10_000)
const CACHE_EVENTS = sized(20_000, 500)

function ringCostNs(): number {
  const ring = new TapRing()
  const frame = JSON.stringify({ event: 'postgres_changes', payload: { data: { id: 1 } } })
  const samples: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now()
    for (let i = 0; i < RING_PUSHES; i++) {
      ring.push({ kind: 'frame', socket: 1, at: performance.now(), direction: 'in', data: frame })
    }
    samples.push(((performance.now() - start) * 1e6) / RING_PUSHES)
  }
  return median(samples)
}

/**
 * A QueryCache event's cost, tapped or not: 20,000 setQueryData calls (each an `added` or an
 * `updated` cache event) on a client with the tap and on one without, interleaved.
 */
function cacheEventCost(): { plainNs: number; tappedNs: number } {
  const run = (tapped: boolean) => {
    const client = new QueryClient()
    if (tapped) new QueryCacheTap(new TapRing<CacheRecord>()).watch(client)
    const start = performance.now()
    for (let i = 0; i < CACHE_EVENTS; i++) client.setQueryData(['deals', 'record', i % 500], i)
    const ns = ((performance.now() - start) * 1e6) / CACHE_EVENTS
    client.clear()
    return ns
  }
  const plain: number[] = []
  const tapped: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false]
    for (const tap of order) (tap ? tapped : plain).push(run(tap))
  }
  return { plainNs: median(plain), tappedNs: median(tapped) }
}

/** One side of the realistic socket: a worker (bench/socket-tap-worker.ts) and its client. */
class SocketSide {
  // tsx's loader is registered per thread: the worker registers it, then loads the TS module.
  private readonly worker: Worker
  private pending:
    | { resolve: (message: Record<string, number>) => void; reject: (error: unknown) => void }
    | undefined
  readonly ready: Promise<unknown>

  constructor(tapped: boolean) {
    this.worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(require('node:worker_threads').workerData.module) })`,
      {
        eval: true,
        workerData: {
          module: new URL('./socket-tap-worker.ts', import.meta.url).href,
          tapped,
          frames: BURST,
          warmUp: WARM_UP_BURSTS,
        },
      },
    )
    this.worker.on('message', (message: Record<string, number>) => this.settle()?.resolve(message))
    this.worker.on('error', (error) => this.settle()?.reject(error))
    this.ready = this.reply()
  }

  private settle() {
    const pending = this.pending
    this.pending = undefined
    return pending
  }

  private reply(): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
    })
  }

  /** Milliseconds the side's client took to receive a burst, and its thread's CPU time in them. */
  async burst(): Promise<{ ms: number; cpuMs: number }> {
    const reply = this.reply()
    this.worker.postMessage({ type: 'burst', count: BURST })
    const { ms, cpuMs } = await reply
    return { ms: ms!, cpuMs: cpuMs! }
  }

  /** Closes the side; what its ring held and let fall off. */
  async close(): Promise<{ held: number; dropped: number }> {
    const reply = this.reply()
    this.worker.postMessage({ type: 'close' })
    const { held, dropped } = await reply
    await this.worker.terminate()
    return { held: held!, dropped: dropped! }
  }
}

/**
 * The realistic socket: each pair's tapped burst over its plain one, minus 1. A pair's two bursts
 * run back to back (about 60 ms), so a busy moment of the machine moves both. `cpuPairs`: the
 * same from the client threads' CPU time, which leaves out the time other processes held the
 * CPU (but also the GC's helper threads): a check on the wall-clock pairs, not the verdict.
 */
async function socketPairs(): Promise<{
  pairs: number[]
  cpuPairs: number[]
  plainMs: number[]
  tappedMs: number[]
  ring: { held: number; dropped: number }
}> {
  const plain = new SocketSide(false)
  const tapped = new SocketSide(true)
  await Promise.all([plain.ready, tapped.ready])
  const pairs: number[] = []
  const cpuPairs: number[] = []
  const plainMs: number[] = []
  const tappedMs: number[] = []
  for (let pair = 0; pair < PAIRS; pair++) {
    const first = pair % 2 === 0 ? plain : tapped
    const one = await first.burst()
    const other = await (first === plain ? tapped : plain).burst()
    const [bare, tap] = first === plain ? [one, other] : [other, one]
    plainMs.push(bare.ms)
    tappedMs.push(tap.ms)
    pairs.push(tap.ms / bare.ms - 1)
    cpuPairs.push(tap.cpuMs / bare.cpuMs - 1)
  }
  await plain.close()
  return { pairs, cpuPairs, plainMs, tappedMs, ring: await tapped.close() }
}

export async function runSocketTapBench(): Promise<Verdict[]> {
  const { pairs, cpuPairs, plainMs, tappedMs, ring } = await socketPairs()
  const plainNs = (median(plainMs) * 1e6) / BURST
  const tappedNs = (median(tappedMs) * 1e6) / BURST
  const perFrame = ringCostNs()
  // The median of the pairs' ratios, not the ratio of two medians: a pair's two runs see the same
  // load, so a noisy moment moves both, and its spread says how far one round can be trusted.
  const overhead = median(pairs)
  const pct = (ratio: number) => `${ratio >= 0 ? '+' : ''}${fmt(ratio * 100, 1)}%`
  const sorted = [...pairs].sort((a, b) => a - b)
  const spread = `half the pairs ${pct(percentile(sorted, 25))} to ${pct(percentile(sorted, 75))}, all ${pct(sorted[0]!)} to ${pct(sorted.at(-1)!)}; on the threads' CPU ${pct(median(cpuPairs))}`
  const cache = cacheEventCost()
  const verdicts: Verdict[] = [
    {
      id: 'socket-tap-ring',
      name: 'socket tap, DevTools closed: one frame into the ring',
      figure: `${fmt(perFrame, 0)} ns per frame`,
      value: perFrame,
      target: '≤ 1 µs per frame',
      ok: perFrame <= 1_000,
    },
    {
      id: 'socket-tap-socket',
      name: `socket tap on a realistic socket: supabase-js receiving postgres_changes frames, ${fmt(PAIRS)} pairs of ${fmt(BURST)}-frame bursts`,
      figure: `${fmt(tappedNs / 1000, 2)} µs per frame tapped vs ${fmt(plainNs / 1000, 2)} µs plain: ${pct(overhead)}, the median of ${fmt(PAIRS)} interleaved pairs (${spread}; the ring held ${fmt(ring.held)}, ${fmt(ring.dropped)} fell off)`,
      value: overhead,
      target: '≤ 3% of the app’s own frame handling, or ≤ 1 µs per frame',
      // The same statistic as the figure: the pairs' median, as a share and in ns of plain's.
      ok: overhead <= 0.03 || overhead * plainNs <= 1_000,
    },
    {
      id: 'query-cache-tap',
      name: 'QueryCache tap, DevTools closed: per cache event (setQueryData on a tapped client vs a plain one)',
      figure: `${fmt(cache.tappedNs, 0)} ns vs ${fmt(cache.plainNs, 0)} ns = +${fmt(cache.tappedNs - cache.plainNs, 0)} ns (${fmt((cache.tappedNs / cache.plainNs - 1) * 100, 1)}%)`,
      value: cache.tappedNs - cache.plainNs,
      target: '≤ 1 µs per cache event',
      ok: cache.tappedNs - cache.plainNs <= 1_000,
    },
  ]
  report('Socket tap with DevTools closed', verdicts)
  return verdicts
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSocketTapBench()
  process.exit(0)
}
