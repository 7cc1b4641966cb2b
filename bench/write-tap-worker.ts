/**
 * The write tap's measurements for bench/write-tap.bench.ts, in a worker thread: a heap of its
 * own, as a page has. In `npm run bench`'s process the earlier entries leave hundreds of MB for
 * the next major GC, and the tapped rounds (whose records outlive a scavenge, as the ring keeps
 * them) would pay for it.
 *
 * Message out: the figures, once ({ figures: WriteTapFigures }), or { error }.
 */
import { parentPort } from 'node:worker_threads'
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws'
import { TapRing } from '../bridge/socket/socket-tap'
import {
  installWriteTap,
  WRITE_RING_SIZE,
  type WriteTapRecord,
  type WriteTapWindow,
} from '../bridge/writes/write-tap'
import { median, percentile } from './measure'
import { sized } from './smoke'

const ROUNDS = sized(9, 1)
const REQUESTS = sized(10_000, 200)
const CLIENT_ROUNDS = sized(41, 1)
const CLIENT_REQUESTS = sized(500, 50)
const SUPABASE_URL = 'https://bench.supabase.co'
const WRITE_URL = `${SUPABASE_URL}/rest/v1/deals?id=eq.d_1`
const READ_URL = `${SUPABASE_URL}/rest/v1/deals?select=*`
const OTHER_URL = 'https://api.example.com/v1/events'
const WRITE_INIT: RequestInit = {
  method: 'PATCH',
  headers: { 'content-type': 'application/json', prefer: 'return=minimal' },
  body: '{"title":"x"}',
}

/** One figure: ns per request bare and tapped, and what the tap added. */
export interface Paired {
  bareNs: number
  tappedNs: number
  /** Median of the per-round differences, tapped minus bare. */
  addedNs: number
  /** The differences' 25th and 75th percentiles. */
  lowNs: number
  highNs: number
}

export interface WriteTapFigures {
  write: Paired
  read: Paired
  other: Paired
  real: Paired
  writesRecorded: number
  othersRecorded: number
  clientRecorded: number
  /** supabase-js updates per round. */
  clientRequests: number
}

/** What a real fetch hands back once its response came: a fresh 204, already resolved. */
const stubFetch = ((_input: RequestInfo | URL, _init?: RequestInit) =>
  Promise.resolve(new Response(null, { status: 204 }))) as typeof fetch

/** ns per request for each contender, per round, rounds interleaved (order alternating). */
async function pair(
  rounds: number,
  bare: () => Promise<number>,
  tapped: () => Promise<number>,
): Promise<Paired> {
  const bareNs: number[] = []
  const tappedNs: number[] = []
  const added: number[] = []
  for (let round = 0; round < rounds; round++) {
    let b: number
    let t: number
    if (round % 2 === 0) {
      b = await bare()
      t = await tapped()
    } else {
      t = await tapped()
      b = await bare()
    }
    bareNs.push(b)
    tappedNs.push(t)
    added.push(t - b)
  }
  const sorted = [...added].sort((x, y) => x - y)
  return {
    bareNs: median(bareNs),
    tappedNs: median(tappedNs),
    addedNs: median(added),
    lowNs: percentile(sorted, 25),
    highNs: percentile(sorted, 75),
  }
}

/** ns per request: `count` requests through `fetchFn`, each awaited as a page awaits it. */
async function requests(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit | undefined,
  count: number,
): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < count; i++) await fetchFn(url, init)
  // The tap's last record settles a few microtasks after the page's await: let it land.
  await new Promise((resolve) => setImmediate(resolve))
  return ((performance.now() - start) * 1e6) / count
}

async function measure(): Promise<WriteTapFigures> {
  // Figure 1: the wrapper alone.
  const win: WriteTapWindow = { fetch: stubFetch }
  const ring = new TapRing<WriteTapRecord>(WRITE_RING_SIZE)
  installWriteTap(win, ring)
  const tapped = win.fetch
  const recorded = () => ring.read().length + ring.dropped
  const alone = async (url: string, init: RequestInit | undefined) => {
    await requests(stubFetch, url, init, REQUESTS) // warm-up
    await requests(tapped, url, init, REQUESTS)
    return pair(
      ROUNDS,
      () => requests(stubFetch, url, init, REQUESTS),
      () => requests(tapped, url, init, REQUESTS),
    )
  }
  const write = await alone(WRITE_URL, WRITE_INIT)
  const writesRecorded = recorded()
  const read = await alone(READ_URL, undefined)
  const other = await alone(OTHER_URL, { method: 'POST', body: '{"event":"x"}' })
  const othersRecorded = recorded() - writesRecorded

  // Figure 2: supabase-js's update, end to end, against the same stub.
  const clientRing = new TapRing<WriteTapRecord>(WRITE_RING_SIZE)
  const tappedWin: WriteTapWindow = { fetch: stubFetch }
  installWriteTap(tappedWin, clientRing)
  const bareWin: WriteTapWindow = { fetch: stubFetch }
  const client = (w: WriteTapWindow) =>
    createClient(SUPABASE_URL, 'bench-anon-key', {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { fetch: w.fetch },
      // Node 20 has no WebSocket of its own; the client never connects here.
      realtime: { transport: WebSocket as never },
    })
  const tappedClient = client(tappedWin)
  const bareClient = client(bareWin)
  const updates = async (supabase: ReturnType<typeof client>, count: number) => {
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      const { error } = await supabase.from('deals').update({ title: 'x' }).eq('id', 'd_1')
      if (error) throw new Error(`update failed: ${error.message}`)
    }
    await new Promise((resolve) => setImmediate(resolve))
    return ((performance.now() - start) * 1e6) / count
  }
  await updates(bareClient, CLIENT_REQUESTS) // warm-up
  await updates(tappedClient, CLIENT_REQUESTS)
  const real = await pair(
    CLIENT_ROUNDS,
    () => updates(bareClient, CLIENT_REQUESTS),
    () => updates(tappedClient, CLIENT_REQUESTS),
  )
  const clientRecorded = clientRing.read().length + clientRing.dropped
  return {
    write,
    read,
    other,
    real,
    writesRecorded,
    othersRecorded,
    clientRecorded,
    clientRequests: CLIENT_REQUESTS,
  }
}

if (parentPort !== null) {
  const port = parentPort
  measure().then(
    (figures) => port.postMessage({ figures }),
    (error: unknown) =>
      port.postMessage({
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  )
}
