/**
 * engine.exportLog() on a full ring: 10,000 events of a busy session (teammates' changes with
 * their rows, duplicates, this tab's writes and echoes, the passes and the refetches with what
 * they changed, one row in a hundred carrying a token to redact), written as the panel writes it
 * (each event with its sentence, redacted). It writes in steps, the event loop free between
 * them: what blocks the page is its longest step, measured from outside as the longest gap
 * between two turns of the event loop while it runs. Compared in the same run with the floor of
 * any export, the bare JSON.stringify of the events the ring holds (one task), rounds
 * interleaved; and what the app's next step costs, a Blob of the text (the text is copied into
 * one piece there).
 */
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { performance } from 'node:perf_hooks'
import { writeExport } from '../src/export-log'
import { createRealtimeSync, type RealtimeSync } from '../src/realtime-sync'
import { benchScheduler } from './bench-scheduler'
import { captureChannel } from './capture-channel'
import { fmt, median, percentile, report, type Row, time } from './measure'
import { sized } from './smoke'

const RING = sized(10_000, 500)
const ROUNDS = sized(21, 2)
const BLOCK_MS = 50
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLWJvYiIsInJvbGUiOiJhdXRoZW50aWNhdGVkIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg'

/** A record id as the demo's are (uuids): what a log is mostly made of. */
const uuid = (n: number) => `3f6c2a4e-9b1d-4c7e-8a2f-${String(n).padStart(12, '0')}`

/** An engine whose ring is full, and has wrapped: every kind a session logs. */
async function fullRing(): Promise<RealtimeSync> {
  const channel = captureChannel()
  const clock = benchScheduler()
  const queryClient = new QueryClient({
    defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY, retry: false } },
  })
  let version = 0
  // The deals on screen: every pass refetches them, and their data changes each time.
  for (let i = 0; i < 5; i++) {
    const queryKey = ['deals', 'record', uuid(i)]
    queryClient.setQueryData(queryKey, { id: uuid(i), title: 'Deal', value: 0 })
    new QueryObserver(queryClient, {
      queryKey,
      staleTime: Number.POSITIVE_INFINITY,
      queryFn: () => Promise.resolve({ id: uuid(i), title: `Deal ${version}`, value: version }),
    }).subscribe(() => {})
  }
  queryClient.setQueryData(['deals', 'list'], [])
  const sync = createRealtimeSync({
    supabase: channel.supabase,
    queryClient,
    organizationIds: ['org_acme'],
    userId: 'user-alice',
    scheduler: clock.scheduler,
    devtools: false,
    diffs: true,
    bufferSize: RING,
    name: 'bench',
  })
  await new Promise((resolve) => setImmediate(resolve)) // setAuth → subscribe
  let id = 1
  const deliver = (recordId: string, actor: string, extra: object = {}) => {
    const committed = new Date(clock.scheduler.now() - 40).toISOString()
    channel.deliver({
      schema: 'public',
      table: 'realtime_table_events',
      commit_timestamp: committed,
      eventType: 'INSERT',
      new: {
        id: id++,
        organization_id: 'org_acme',
        table_name: 'deals',
        event_type: 'UPDATE',
        record_id: recordId,
        actor_id: actor,
        created_at: committed,
        ...extra,
      },
    })
  }
  for (let n = 0; sync.readEvents().lastSeq < RING * 1.2; n++) {
    clock.advance(50)
    deliver(uuid(n % 40), 'user-bob', n % 100 === 0 ? { note: `Bearer ${JWT}` } : {})
    if (n % 7 === 0) {
      // A duplicate delivery of the same event id.
      id--
      deliver(uuid(n % 40), 'user-bob')
    }
    if (n % 11 === 0) {
      sync.markLocalWrite('deals', uuid(n % 5))
      deliver(uuid(n % 5), 'user-alice')
    }
    if (n % 10 === 9) {
      version++
      clock.advance(200)
      sync.flush()
      await new Promise((resolve) => setImmediate(resolve)) // the refetches settle
    }
  }
  return sync
}

/**
 * Runs `work` while turns of the event loop are counted (setImmediate, after every task): the
 * longest gap between two turns is the longest the page could not respond.
 */
async function watchEventLoop<T>(
  work: () => Promise<T>,
): Promise<{ longest: number; total: number; result: T }> {
  let last = performance.now()
  let longest = 0
  let running = true
  const turn = () => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    if (running) setImmediate(turn)
  }
  setImmediate(turn)
  const start = performance.now()
  const result = await work()
  const total = performance.now() - start
  running = false
  longest = Math.max(longest, performance.now() - last)
  return { longest, total, result }
}

export async function runExportLogBench(): Promise<Row[]> {
  const sync = await fullRing()
  const held = sync.readEvents()
  if (held.events.length !== RING) throw new Error(`the ring holds ${held.events.length}`)
  const kinds = new Set(held.events.map((event) => event.kind))
  for (const kind of ['received', 'deduped', 'echo', 'write', 'invalidated', 'refetched']) {
    if (!kinds.has(kind as never)) throw new Error(`no ${kind} event in the ring`)
  }
  const first = await sync.exportLog() // loads the writer, as an app's first call does
  if (first.text.includes(JWT)) throw new Error('a token survived the export')

  const longestMs: number[] = []
  const totalMs: number[] = []
  const blobMs: number[] = []
  const oneGoMs: number[] = []
  const floorMs: number[] = []
  let bytes = 0
  for (let round = 0; round < ROUNDS; round++) {
    const floor = () => {
      floorMs.push(time(() => JSON.stringify(sync.readEvents().events)))
      // The same file in one task (writeExport), as the panel's Export JSON wrote it before it
      // too wrote in steps.
      const { events, dropped } = sync.readEvents()
      const page = { url: 'http://localhost:5173/', title: 'CRM' }
      const engine = { name: sync.name, version: sync.version, config: sync.getConfig() }
      const metrics = sync.getMetrics()
      oneGoMs.push(time(() => writeExport({ page, engine, dropped, events, metrics, now: 0 })))
    }
    const exported = async () => {
      const { longest, total, result } = await watchEventLoop(() => sync.exportLog())
      longestMs.push(longest)
      totalMs.push(total)
      blobMs.push(time(() => (bytes = new Blob([result.text]).size)))
    }
    if (round % 2) {
      floor()
      await exported()
    } else {
      await exported()
      floor()
    }
  }
  await sync.stop()
  const longest = median(longestMs)
  const worst = percentile(
    [...longestMs].sort((a, b) => a - b),
    95,
  )
  const floor = median(floorMs)
  const rows: Row[] = [
    {
      id: 'export-log-full-ring',
      name: `engine.exportLog() on a full ${fmt(RING)}-event ring (redacted, with the sentences): the longest it holds up the page`,
      figure:
        `longest step ${fmt(longest, 1)} ms (p95 of rounds ${fmt(worst, 1)} ms), ` +
        `${fmt(median(totalMs), 0)} ms from call to file, ${fmt(bytes / 1e6, 1)} MB; ` +
        `the bare JSON.stringify of the ring, one task: ${fmt(floor, 1)} ms (${fmt(longest / floor, 2)}×)`,
      value: longest,
      target: `≤ ${BLOCK_MS} ms`,
      ok: longest <= BLOCK_MS,
    },
    {
      id: 'export-log-one-go',
      name: 'the same file written in one task (writeExport)',
      figure: `${fmt(median(oneGoMs), 1)} ms`,
      value: median(oneGoMs),
      target: 'info: why the engine writes in steps',
      ok: true,
      info: true,
    },
    {
      id: 'export-log-blob',
      name: "the app's next step: a Blob of exportLog()'s text (Node's Blob, one task)",
      figure: `${fmt(median(blobMs), 1)} ms`,
      value: median(blobMs),
      target: 'info: the app’s own step',
      ok: true,
      info: true,
    },
  ]
  report('engine.exportLog(): a session captured for a bug report', rows)
  return rows
}
