/**
 * The page the browser benchmarks open: the REAL engine (createRealtimeSync) registered on the
 * page for the REAL bridge the extension injects, fed through the postgres_changes callback it
 * hands a minimal supabase stand-in (as bench/devtools-overhead.bench.ts does), so every event
 * takes the engine's whole path: parse, dedup, echo, log, batch, invalidate.
 * Exposes window.__bench for bench/devtools-path/ and bench/panel-scale.bench.ts.
 */
import { QueryClient } from '@tanstack/query-core'
import {
  createRealtimeSync,
  createTableFactory,
  DEVTOOLS_GLOBAL,
  type DevtoolsRegistry,
} from '../../../src'
import { decodeEventBatch, encodeEventBatch } from '../../../bridge/protocol'
import { captureChannel } from '../../capture-channel'

export interface StreamOptions {
  /** Payloads per second. */
  rate: number
  /** Stops after this long (wall clock)... */
  durationMs: number
  /** ...or after this many payloads. */
  total?: number
  /** Generator timer period. */
  tickMs: number
  /** Most payloads one tick may deliver when catching up (the relay shares this thread). */
  maxPerTick?: number
}

export interface StreamResult {
  sent: number
  /** Date.now() at the first and after the last payload. */
  startAt: number
  endAt: number
  /** Payloads per second actually generated. */
  generatedPerSecond: number
  /** seq of the first event of the stream and the engine's last seq after it. */
  firstSeq: number
  lastSeq: number
  /** Longest generator tick (ms, engine + bridge work of one tick). */
  maxTickMs: number
  /** Page long tasks (> 50 ms) during the stream. */
  longTasks: number
  maxLongTaskMs: number
}

export interface DeliverResult {
  /** The synchronous delivery loop (engine + bridge listener, serialization, postMessage). */
  syncMs: number
  /** Until the content relay handled every message posted meanwhile (a marker round trip). */
  totalMs: number
}

export interface BenchApi {
  engineId: string
  ready: boolean
  lastSeq(): number
  /** [seq, at] of the events the engine's ring holds after `sinceSeq`. */
  eventTimes(sinceSeq: number): [number, number][]
  stream(options: StreamOptions): Promise<StreamResult>
  /** Wire bytes per 'received' event as the bridge sends it live (before its batch flushed). */
  eventBytes(): number
  /**
   * The newest 'received' event in the batch form, for feeding the panel store: the batch form's
   * number, the batch's string table (JSON) the rows refer to, then a first row
   * `[${mask},${seq},${tail.slice(1)}`, each following one `next` (seq + 1, the same `at`).
   */
  sampleRows(): { format: number; strings: string; mask: number; tail: string; next: string }
  deliverTimed(count: number): Promise<DeliverResult>
  /**
   * Records when each live batch leaves the bridge: [Date.now(), first seq, last seq], when the
   * bridge posts it on the content relay's MessagePort (or, before the relay offered one, when it
   * is dispatched on this window). Costs a JSON.parse per batch.
   */
  traceBatches(on: boolean): [number, number, number][]
}

const ORG = 'org_acme'
const TABLES = ['deals', 'contacts', 'deal_contacts', 'tasks'] as const
const RECORDS = 5_000
const params = new URLSearchParams(location.search)

// A cache like an app's: a list and some records per table, none observed (marked stale only).
const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY } },
})
for (const table of TABLES) {
  const keys = createTableFactory(table)
  queryClient.setQueryData(keys.list(), [])
  for (let i = 0; i < 50; i++) queryClient.setQueryData(keys.record(`r${i * 97}`), { id: i })
}

// `?queries=N`: N more cached queries (records of every table), as a large app's cache.
const extraQueries = Number(params.get('queries') ?? 0)
for (let i = 0; i < extraQueries; i++) {
  queryClient.setQueryData(createTableFactory(TABLES[i % TABLES.length]!).record(`q${i}`), { i })
}

const channel = captureChannel()
const sync = createRealtimeSync({
  supabase: channel.supabase,
  queryClient,
  organizationIds: [ORG],
  userId: 'user-alice',
  bufferSize: Number(params.get('bufferSize') ?? 100_000),
  name: params.get('name') ?? 'bench',
})

let nextId = 1
/** A realistic postgres_changes payload of realtime_table_events (a teammate's change). */
function payload(commitTimestamp: string): object {
  const id = nextId++
  return {
    schema: 'public',
    table: 'realtime_table_events',
    commit_timestamp: commitTimestamp,
    eventType: 'INSERT',
    new: {
      id,
      organization_id: ORG,
      table_name: TABLES[id & 3],
      event_type: 'UPDATE',
      record_id: `r${id % RECORDS}`,
      actor_id: 'user-bob',
      created_at: commitTimestamp,
    },
    old: {},
    errors: null,
  }
}

const engine = () => {
  const registry = (window as unknown as Record<string, DevtoolsRegistry | undefined>)[
    DEVTOOLS_GLOBAL
  ]
  const found = registry?.engines.get(sync.id)
  if (found === undefined) throw new Error('the engine is not registered on the page')
  return found
}

const lastSeq = () => engine().readEvents(Number.MAX_SAFE_INTEGER).lastSeq

function observeLongTasks() {
  const tasks: number[] = []
  let observer: PerformanceObserver | undefined
  try {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration)
    })
    observer.observe({ type: 'longtask' })
  } catch {
    // no longtask support: reported as none
  }
  return () => {
    for (const entry of observer?.takeRecords() ?? []) tasks.push(entry.duration)
    observer?.disconnect()
    return tasks
  }
}

function stream(options: StreamOptions): Promise<StreamResult> {
  const { rate, durationMs, tickMs } = options
  const total = options.total ?? Number.POSITIVE_INFINITY
  const maxPerTick = options.maxPerTick ?? Number.POSITIVE_INFINITY
  const firstSeq = lastSeq() + 1
  const stopLongTasks = observeLongTasks()
  const start = performance.now()
  const startAt = Date.now()
  let sent = 0
  let maxTickMs = 0
  return new Promise((resolve, reject) => {
    const tick = () => {
      const tickStart = performance.now()
      const elapsed = Math.min(durationMs, tickStart - start)
      const due = Math.min(total, Math.floor((elapsed * rate) / 1_000))
      const until = Math.min(due, sent + maxPerTick)
      // The change was committed a few ms before Realtime delivered it.
      const commit = new Date(Date.now() - 3).toISOString()
      while (sent < until) {
        channel.deliver(payload(commit))
        sent++
      }
      const now = performance.now()
      maxTickMs = Math.max(maxTickMs, now - tickStart)
      if (sent < total && now - start < durationMs) {
        setTimeout(tick, tickMs)
        return
      }
      sync.flush()
      const tasks = stopLongTasks()
      // Each payload is one log entry whatever the verdict: fewer means the stand-in channel no
      // longer reaches the engine, and every figure after this would measure an empty stream.
      const logged = lastSeq() - firstSeq + 1
      if (logged < sent) {
        reject(new Error(`the engine logged ${logged} events for ${sent} payloads delivered`))
        return
      }
      resolve({
        sent,
        startAt,
        endAt: Date.now(),
        generatedPerSecond: (sent * 1_000) / (now - start),
        firstSeq,
        lastSeq: lastSeq(),
        maxTickMs,
        longTasks: tasks.length,
        maxLongTaskMs: Math.max(0, ...tasks),
      })
    }
    setTimeout(tick, tickMs)
  })
}

let markers = 0
/** Resolves when a message posted now comes back: every message posted before was handled. */
function drained(): Promise<void> {
  const id = `bench-marker-${++markers}`
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if ((event.data as { benchMarker?: string } | null)?.benchMarker !== id) return
      removeEventListener('message', onMessage)
      resolve()
    }
    addEventListener('message', onMessage)
    postMessage({ benchMarker: id }, '*')
  })
}

async function deliverTimed(count: number): Promise<DeliverResult> {
  const commit = new Date(Date.now() - 3).toISOString()
  const payloads: object[] = []
  for (let i = 0; i < count; i++) payloads.push(payload(commit))
  await drained()
  const start = performance.now()
  for (const p of payloads) channel.deliver(p)
  const syncMs = performance.now() - start
  await drained()
  return { syncMs, totalMs: performance.now() - start }
}

/** The newest 'received' events of the ring as the bridge posts them (before the batch flush). */
function liveShaped(count: number) {
  return engine()
    .readEvents(Math.max(0, lastSeq() - count))
    .events.filter((event) => event.kind === 'received')
}

let traced: [number, number, number][] = []
const traceBatch = (data: unknown) => {
  const now = Date.now()
  const message = (data as { message?: { type?: string; snapshot?: boolean; data?: string } })
    ?.message
  if (message?.type !== 'events' || message.snapshot || typeof message.data !== 'string') return
  const decoded = decodeEventBatch(JSON.parse(message.data))
  const events = decoded.ok ? decoded.events : []
  const first = events[0]?.seq
  const last = events.at(-1)?.seq
  if (first !== undefined && last !== undefined) traced.push([now, first, last])
}
const onBridgeMessage = (event: MessageEvent) => traceBatch(event.data)
// The bridge posts on the content relay's MessagePort once the relay offered one: its messages
// never reach this window, so a batch is traced as the bridge posts it on a port.
const portPost = MessagePort.prototype.postMessage
function tracedPortPost(this: MessagePort, ...args: Parameters<MessagePort['postMessage']>) {
  traceBatch(args[0])
  portPost.apply(this, args as never)
}

const api: BenchApi = {
  engineId: sync.id,
  ready: false,
  lastSeq,
  eventTimes: (sinceSeq) =>
    engine()
      .readEvents(sinceSeq)
      .events.map((event) => [event.seq, event.at]),
  stream,
  eventBytes: () => {
    const events = liveShaped(1_000)
    return events.length === 0 ? 0 : encodeEventBatch(events).length / events.length
  },
  sampleRows: () => {
    const event = liveShaped(1_000).at(-1)
    if (event === undefined) throw new Error("no 'received' event among the newest 1,000")
    const rows = JSON.parse(encodeEventBatch([event, { ...event, seq: event.seq + 1 }]))
    const [first, next] = [rows[2] as unknown[], rows[3] as unknown[]]
    return {
      format: rows[0] as number,
      strings: JSON.stringify(rows[1]),
      mask: first[0] as number,
      tail: JSON.stringify(first.slice(2)),
      next: JSON.stringify(next),
    }
  },
  deliverTimed,
  traceBatches: (on) => {
    removeEventListener('message', onBridgeMessage)
    MessagePort.prototype.postMessage = portPost
    if (on) {
      addEventListener('message', onBridgeMessage)
      MessagePort.prototype.postMessage = tracedPortPost as typeof portPost
    }
    const out = traced
    traced = []
    return out
  },
}
;(window as unknown as { __bench: BenchApi }).__bench = api

const status = document.getElementById('status')
// Ready at replication, not at SUBSCRIBED, and with the batch flushed: the first live point
// resyncs the cache set above, and that pass must not land inside a measurement.
const waitSubscribed = () => {
  if (sync.getChannels().some((c) => c.replication === 'ready')) {
    sync.flush()
    api.ready = true
    if (status) status.textContent = `ready: engine ${sync.id}`
    return
  }
  setTimeout(waitSubscribed, 10)
}
waitSubscribed()
